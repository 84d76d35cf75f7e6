using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        // open(2) flags: these values are the same on x86-64 and arm64 (asm-generic/fcntl.h). O_DIRECTORY, O_NOFOLLOW and
        // O_DIRECT differ between the two, and Zokio does not use them.
        internal const int O_RDONLY = 0x0;
        internal const int O_WRONLY = 0x1;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_TRUNC = 0x200;
        internal const int O_CLOEXEC = 0x80000;

        /// <summary>The dirfd meaning "relative to the working directory" (fcntl.h).</summary>
        internal const int AT_FDCWD = -100;

        /// <summary>statx(2) on the fd itself when the path is empty.</summary>
        internal const int AT_EMPTY_PATH = 0x1000;

        // statx(2) mask bits and st_mode file types.
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_SIZE = 0x200;
        internal const int S_IFMT = 0xF000;
        internal const int S_IFDIR = 0x4000;

        /// <summary><c>openat(2)</c>: returns a new fd, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true)]
        internal static partial int OpenAt(int dirFd, byte* path, int flags, int mode);

        /// <summary><c>fsync(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fsync", SetLastError = true)]
        internal static partial int FSync(int fd);

        /// <summary><c>statx(2)</c> (glibc 2.28, musl 1.2.5): returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true)]
        internal static partial int Statx(int dirFd, byte* path, int flags, uint mask, StatX* buffer);
    }

    /// <summary>
    /// <c>struct statx</c> (256 bytes, include/uapi/linux/stat.h), with the fields Zokio reads. Its layout is fixed
    /// by the kernel for every architecture, unlike <c>struct stat</c>.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct StatX
    {
        [FieldOffset(0)] internal uint Mask;
        [FieldOffset(28)] internal ushort Mode;
        [FieldOffset(40)] internal ulong Size;
    }
}
