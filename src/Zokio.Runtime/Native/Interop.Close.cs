using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static partial class Sys
    {
        /// <summary><c>close(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
