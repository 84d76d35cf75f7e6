using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        /// <summary><c>read(2)</c>: returns bytes read (0 at end), or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static partial nint Read(int fd, void* buffer, nuint count);

        /// <summary><c>write(2)</c>: returns bytes written, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static partial nint Write(int fd, void* buffer, nuint count);
    
        /// <summary><c>pread(2)</c>: returns bytes read at <paramref name="offset"/> (0 at end), or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
        internal static partial nint PRead(int fd, void* buffer, nuint count, long offset);

        /// <summary><c>pwrite(2)</c>: returns bytes written at <paramref name="offset"/>, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "pwrite", SetLastError = true)]
        internal static partial nint PWrite(int fd, void* buffer, nuint count, long offset);
    }
}
