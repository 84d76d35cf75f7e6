using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>
/// Class fixture: after every test of a class has run, no file descriptor the class opened is still open.
/// (Each <see cref="TestHost"/> separately asserts that its pools got every block back.)
/// </summary>
public sealed class LeakCheck : IAsyncLifetime
{
    private int _fdsBefore;

    public Task InitializeAsync()
    {
        // Start and stop a group once so runtime-wide fds (the first ring probe, loaded libraries) are already counted.
        EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, RingEntries = 8 }).Dispose();
        _fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        int now = Directory.GetFiles("/proc/self/fd").Length;
        // Closing is asynchronous (loops and the runtime's socket engine close on their own threads): wait, bounded.
        for (int i = 0; i < 300 && now > _fdsBefore; i++)
        {
            await Task.Delay(10);
            now = Directory.GetFiles("/proc/self/fd").Length;
        }

        Assert.True(now <= _fdsBefore, $"{now - _fdsBefore} file descriptor(s) left open by this test class ({now} now, {_fdsBefore} before).");
    }
}
