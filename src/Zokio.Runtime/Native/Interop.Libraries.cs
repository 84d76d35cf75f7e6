namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    /// <summary>Names of the native libraries Zokio calls; glibc and musl both answer to "libc".</summary>
    internal static class Libraries
    {
        internal const string Libc = "libc";
    }
}
