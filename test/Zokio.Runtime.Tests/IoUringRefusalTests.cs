using Zokio.Runtime.IoUring;
using static Zokio.Runtime.IoUring.IoUringRefusal;

namespace Zokio.Runtime.Tests;

/// <summary>
/// Why io_uring was refused, from the system's facts: a seccomp filter, the sysctl, or a kernel without io_uring all
/// answer ENOSYS or EPERM, and only the log line tells the operator which one to fix.
/// </summary>
public class IoUringRefusalTests
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;
    private static readonly Version s_kernel = new(6, 1, 0);

    [Theory]
    [InlineData(ENOSYS, "ENOSYS")] // Podman's default profile
    [InlineData(EPERM, "EPERM")]   // Docker's
    public void A_seccomp_filter_on_a_kernel_with_io_uring_is_named_with_the_way_out(int errno, string errnoName)
    {
        string reason = Explain("io_uring_setup", errno, new SystemFacts(s_kernel, IoUringDisabled: null, SeccompMode: 2));

        Assert.Equal($"io_uring_setup is blocked by a seccomp filter (container default profile; it answered {errnoName}); see deploy/seccomp", reason);
        Assert.DoesNotContain("kernel has no", reason);
    }

    [Fact]
    public void ENOSYS_without_a_filter_is_the_kernel_old_or_built_without_io_uring()
    {
        Assert.Equal("the kernel (5.0) has no io_uring, which needs Linux 5.1 or later (ENOSYS)",
            Explain("io_uring_setup", ENOSYS, new SystemFacts(new Version(5, 0), null, SeccompMode: 0)));
        Assert.Equal("the kernel (6.1.0) has no io_uring: built without CONFIG_IO_URING (ENOSYS)",
            Explain("io_uring_setup", ENOSYS, new SystemFacts(s_kernel, null, SeccompMode: 0)));
        // A filter on a kernel too old for io_uring: the kernel is the reason, whatever the filter says.
        Assert.Contains("needs Linux 5.1", Explain("io_uring_setup", ENOSYS, new SystemFacts(new Version(4, 19), null, SeccompMode: 2)));
    }

    [Theory]
    [InlineData(2, "disabled for every process by sysctl kernel.io_uring_disabled=2")]
    [InlineData(1, "restricted by sysctl kernel.io_uring_disabled=1 to members of kernel.io_uring_group")]
    public void EPERM_from_the_sysctl_names_the_sysctl_even_under_a_filter(int disabled, string expected)
    {
        Assert.Contains(expected, Explain("io_uring_setup", EPERM, new SystemFacts(s_kernel, disabled, SeccompMode: 2)));
    }

    [Fact]
    public void The_facts_of_this_machine_are_read()
    {
        SystemFacts facts = SystemFacts.Read();
        Assert.True(facts.KernelVersion >= new Version(5, 1), $"kernel {facts.KernelVersion}");
        Assert.NotNull(facts.SeccompMode);
    }
}
