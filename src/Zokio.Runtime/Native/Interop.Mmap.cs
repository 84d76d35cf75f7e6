using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_SHARED = 0x01;
        internal const int MAP_POPULATE = 0x8000;
        internal static readonly void* MAP_FAILED = (void*)-1;

        /// <summary><c>mmap(2)</c>: returns the mapping, or <see cref="MAP_FAILED"/> with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

        /// <summary><c>munmap(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "munmap", SetLastError = true)]
        internal static partial int Munmap(void* addr, nuint length);
    }
}
