using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        /// <summary>preadv2(2) flag: fail with EAGAIN instead of waiting for the disk (Linux 4.14).</summary>
        internal const int RWF_NOWAIT = 0x8;

        /// <summary><c>preadv2(2)</c> (glibc 2.26): returns bytes read at <paramref name="offset"/> (0 at end), or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "preadv2", SetLastError = true)]
        internal static partial nint PReadV2(int fd, IoVec* vectors, int count, long offset, int flags);

        /// <summary>
        /// Reads what the page cache holds of <paramref name="buffer"/>'s range at <paramref name="offset"/> without
        /// waiting: bytes read (fewer than asked when only the start of the range is cached; 0 at end), or -1 with errno
        /// EAGAIN when the first byte is not cached, EOPNOTSUPP where the file (procfs, ...), the kernel or the libc
        /// refuses RWF_NOWAIT.
        /// </summary>
        internal static nint PReadNoWait(int fd, Span<byte> buffer, long offset)
        {
            fixed (byte* start = buffer)
            {
                IoVec vector = new() { Base = start, Length = (nuint)buffer.Length };
                return PReadV2(fd, &vector, 1, offset, RWF_NOWAIT);
            }
        }
    }
}
