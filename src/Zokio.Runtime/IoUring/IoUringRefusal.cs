using Zokio.Runtime.Native;

namespace Zokio.Runtime.IoUring;

/// <summary>
/// Says why the kernel refused an io_uring syscall, telling a seccomp filter apart from a kernel without io_uring and
/// from the <c>kernel.io_uring_disabled</c> sysctl: all three answer ENOSYS or EPERM, and only the first is fixed by a
/// container profile, not by a kernel upgrade.
/// </summary>
internal static class IoUringRefusal
{
    /// <summary>The evidence the explanation rests on, read from the running system.</summary>
    /// <param name="KernelVersion">The kernel's release (uname), or null when unknown.</param>
    /// <param name="IoUringDisabled">The value of /proc/sys/kernel/io_uring_disabled (Linux 6.6+), or null without it.</param>
    /// <param name="SeccompMode">The <c>Seccomp:</c> field of /proc/self/status: 0 none, 1 strict, 2 filter; null when unknown.</param>
    internal readonly record struct SystemFacts(Version? KernelVersion, int? IoUringDisabled, int? SeccompMode)
    {
        public static SystemFacts Read() => new(
            OperatingSystem.IsLinux() ? Environment.OSVersion.Version : null,
            ReadInt("/proc/sys/kernel/io_uring_disabled"),
            ReadStatusField("/proc/self/status", "Seccomp:"));
    }

    /// <summary>io_uring (io_uring_setup, io_uring_enter, io_uring_register) entered Linux in 5.1.</summary>
    private static readonly Version s_firstKernelWithIoUring = new(5, 1);

    /// <summary>Why <paramref name="syscall"/> failed with <paramref name="errno"/>, for the fallback log line.</summary>
    public static string Explain(string syscall, int errno) => Explain(syscall, errno, SystemFacts.Read());

    /// <summary>As <see cref="Explain(string, int)"/>, from given facts (tests pass their own).</summary>
    internal static string Explain(string syscall, int errno, SystemFacts facts)
    {
        string errnoName = errno switch
        {
            Interop.Errno.ENOSYS => "ENOSYS",
            Interop.Errno.EPERM => "EPERM",
            _ => $"errno {errno}",
        };

        // The sysctl answers EPERM (2: nobody; 1: only members of kernel.io_uring_group), never ENOSYS.
        if (errno == Interop.Errno.EPERM && facts.IoUringDisabled is 2)
        {
            return $"{syscall} is disabled for every process by sysctl kernel.io_uring_disabled=2 (EPERM)";
        }

        if (errno == Interop.Errno.EPERM && facts.IoUringDisabled is 1)
        {
            return $"{syscall} is restricted by sysctl kernel.io_uring_disabled=1 to members of kernel.io_uring_group (EPERM)";
        }

        bool kernelHasIoUring = facts.IoUringDisabled is not null || facts.KernelVersion >= s_firstKernelWithIoUring;
        if (facts.SeccompMode is 2 && (kernelHasIoUring || errno == Interop.Errno.EPERM))
        {
            // Container engines' default profiles leave io_uring out (Docker 25+, containerd 2.0+, Podman), answering
            // EPERM (Docker) or ENOSYS (Podman); the kernel itself has it.
            return $"{syscall} is blocked by a seccomp filter (container default profile; it answered {errnoName}); see deploy/seccomp";
        }

        if (errno == Interop.Errno.ENOSYS)
        {
            return facts.KernelVersion is { } version && version < s_firstKernelWithIoUring
                ? $"the kernel ({version}) has no io_uring, which needs Linux 5.1 or later (ENOSYS)"
                : $"the kernel{(facts.KernelVersion is { } v ? $" ({v})" : "")} has no io_uring: built without CONFIG_IO_URING (ENOSYS)";
        }

        return errno == Interop.Errno.EPERM
            ? $"{syscall} is forbidden here (EPERM)"
            : $"{syscall} failed with {errnoName}";
    }

    private static int? ReadInt(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), out int value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? ReadStatusField(string path, string field)
    {
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return int.TryParse(line.AsSpan(field.Length).Trim(), out int value) ? value : null;
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
