using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        // x86-64 and arm64 share these numbers: io_uring was added after the syscall tables were unified (asm-generic/unistd.h).
        internal const long SYS_io_uring_setup = 425;
        internal const long SYS_io_uring_enter = 426;
        internal const long SYS_io_uring_register = 427;

        /// <summary>
        /// libc <c>syscall(2)</c> with fixed 64-bit arguments, for the io_uring calls glibc does not wrap.
        /// Returns the syscall's result, or -1 with errno set (read it with <see cref="Marshal.GetLastPInvokeError"/>).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        /// <summary><c>io_uring_setup(2)</c>: returns the ring fd, or -errno.</summary>
        internal static int IoUringSetup(uint entries, IoUringParams* p)
        {
            long r = Syscall(SYS_io_uring_setup, entries, (long)p, 0, 0, 0, 0);
            return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
        }

        /// <summary><c>io_uring_enter2(2)</c>: returns the number of SQEs consumed, or -errno.</summary>
        internal static int IoUringEnter(int fd, uint toSubmit, uint minComplete, uint flags, void* arg, nuint argSize)
        {
            long r = Syscall(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, (long)arg, (long)argSize);
            return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
        }

        /// <summary><c>io_uring_register(2)</c>: returns a non-negative value on success, or -errno.</summary>
        internal static int IoUringRegister(int fd, uint opcode, void* arg, uint count)
        {
            long r = Syscall(SYS_io_uring_register, fd, opcode, (long)arg, count, 0, 0);
            return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
        }
    }
}
