using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public class OptionsTests
{
    [Theory]
    [InlineData(0, 4096, "LoopCount must be between 1 and 1024; got 0.")]
    [InlineData(1025, 4096, "LoopCount must be between 1 and 1024; got 1025.")]
    [InlineData(1, 1000, "RingEntries must be a power of two between 2 and 32768; got 1000.")]
    [InlineData(1, 65536, "RingEntries must be a power of two between 2 and 32768; got 65536.")]
    public void Invalid_options_fail_at_start_naming_option_value_and_range(int loops, int entries, string message)
    {
        EventLoopGroupOptions options = new() { LoopCount = loops, RingEntries = entries };
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => EventLoopGroup.Start(options));
        Assert.StartsWith(message, ex.Message);
    }

    [Fact]
    public void Stall_threshold_and_enums_are_range_checked_with_a_prefix()
    {
        EventLoopGroupOptions options = new() { StallThreshold = TimeSpan.Zero };
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate("Zokio:"));
        Assert.StartsWith("Zokio:StallThreshold must be between", ex.Message);
        options = new() { Backend = (LoopBackendKind)42 };
        Assert.Contains("Backend must be one of Auto, IoUring, Epoll; got 42", Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate()).Message);
        options = new() { ApplicationScheduling = (ApplicationScheduling)9 };
        Assert.Contains("ApplicationScheduling must be one of", Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate()).Message);
    }

    [Fact]
    public void Defaults_are_valid_and_use_every_core()
    {
        EventLoopGroupOptions options = new();
        options.Validate();
        Assert.Equal(Environment.ProcessorCount, options.LoopCount);
        Assert.Equal(ApplicationScheduling.Adaptive, options.ApplicationScheduling);
        Assert.True(options.WorkStealing);
    }
}
