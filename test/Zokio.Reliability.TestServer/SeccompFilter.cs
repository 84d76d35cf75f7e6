using System.Runtime.InteropServices;

namespace Zokio.Reliability.TestServer;

/// <summary>
/// Installs a seccomp filter that makes one syscall fail with EPERM (Docker's default profile) or ENOSYS (Podman's) in
/// every thread of this process, as a container's seccomp profile without the io_uring syscalls does. The test's own interop, kept in this one file.
/// </summary>
internal static unsafe partial class SeccompFilter
{
    private const int PR_SET_NO_NEW_PRIVS = 38;
    private const long SECCOMP_SET_MODE_FILTER = 1;
    private const long SECCOMP_FILTER_FLAG_TSYNC = 1;
    private const uint SECCOMP_RET_ALLOW = 0x7fff0000;
    private const uint SECCOMP_RET_ERRNO = 0x00050000;
    private const uint EPERM = 1;
    private const uint ENOSYS = 38;

    // Classic BPF opcodes (linux/bpf_common.h): load a 32-bit word at an absolute offset of struct seccomp_data,
    // jump if equal to a constant, return a constant.
    private const ushort LoadWordAbsolute = 0x20;
    private const ushort JumpIfEqual = 0x15;
    private const ushort Return = 0x06;

    // struct seccomp_data: int nr at 0, __u32 arch at 4.
    private const uint NrOffset = 0;
    private const uint ArchOffset = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFilter
    {
        public ushort Code;
        public byte JumpIfTrue;
        public byte JumpIfFalse;
        public uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3);

    /// <summary>Denies <paramref name="syscallName"/> with <paramref name="errnoName"/>: EPERM or ENOSYS.</summary>
    public static void Deny(string syscallName, string errnoName)
    {
        uint errno = errnoName switch
        {
            "EPERM" => EPERM,
            "ENOSYS" => ENOSYS,
            _ => throw new ArgumentException($"Only EPERM and ENOSYS are known; got {errnoName}.", nameof(errnoName)),
        };
        // io_uring's numbers are the same on x86-64 and arm64 (asm-generic/unistd.h); seccomp's and the audit arch are not.
        uint denied = syscallName switch
        {
            "io_uring_setup" => 425,
            "io_uring_enter" => 426,
            "io_uring_register" => 427,
            _ => throw new ArgumentException($"No syscall number known for {syscallName}.", nameof(syscallName)),
        };
        (uint arch, long seccompSyscall) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (0xC000003Eu, 317L),   // AUDIT_ARCH_X86_64, __NR_seccomp
            Architecture.Arm64 => (0xC00000B7u, 277L), // AUDIT_ARCH_AARCH64, __NR_seccomp
            _ => throw new PlatformNotSupportedException($"No seccomp filter for {RuntimeInformation.ProcessArchitecture}."),
        };

        SockFilter* program = stackalloc SockFilter[]
        {
            new() { Code = LoadWordAbsolute, K = ArchOffset },
            new() { Code = JumpIfEqual, K = arch, JumpIfTrue = 0, JumpIfFalse = 3 }, // another ABI: allow
            new() { Code = LoadWordAbsolute, K = NrOffset },
            new() { Code = JumpIfEqual, K = denied, JumpIfTrue = 0, JumpIfFalse = 1 },
            new() { Code = Return, K = SECCOMP_RET_ERRNO | errno },
            new() { Code = Return, K = SECCOMP_RET_ALLOW },
        };
        SockFprog fprog = new() { Length = 6, Filter = program };

        // Without CAP_SYS_ADMIN a filter needs no_new_privs (seccomp(2)).
        if (Prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException($"prctl(PR_SET_NO_NEW_PRIVS) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        // TSYNC applies the filter to every thread of the process, not only this one and its future children.
        long result = Syscall(seccompSyscall, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&fprog);
        if (result != 0)
        {
            throw new InvalidOperationException(result < 0
                ? $"seccomp(SECCOMP_SET_MODE_FILTER) failed with errno {Marshal.GetLastPInvokeError()}."
                : $"seccomp(SECCOMP_FILTER_FLAG_TSYNC) could not synchronize thread {result}.");
        }
    }
}
