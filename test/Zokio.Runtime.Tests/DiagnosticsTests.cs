using System.Buffers;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public class DiagnosticsTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_backend_of_the_loops_is_logged_once_at_start(LoopBackendKind backend)
    {
        CapturingLoggerProvider logs = new();
        await using (EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 2, Backend = backend, RingEntries = 64 }, logs))
        {
        }

        string started = Assert.Single(logs.Messages, m => m.Message.StartsWith("Zokio started", StringComparison.Ordinal)).Message;
        Assert.Contains($"2 event loop(s) on {backend}", started);
    }

    [Fact]
    public async Task Blocks_never_returned_are_reported_with_their_renter_when_the_group_stops()
    {
        CapturingLoggerProvider logs = new();
        EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, TrackMemoryLeaks = true }, logs);
        IMemoryOwner<byte> leaked = group.Loops[0].MemoryPool.Rent();
        Assert.Equal(1, group.OutstandingMemoryBlocks);
        await group.DisposeAsync();

        (LogLevel level, string message) = Assert.Single(logs.Messages, m => m.Message.Contains("never returned", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, level);
        Assert.Contains("1 block(s)", message);
        Assert.Contains(nameof(Blocks_never_returned_are_reported_with_their_renter_when_the_group_stops), message);
        leaked.Dispose();
    }

    [Theory]
    [InlineData(ApplicationScheduling.Loop, "every connection on this loop waits")]
    [InlineData(ApplicationScheduling.Adaptive, "a new thread took over its I/O")]
    public async Task Application_work_blocking_a_loop_is_reported_with_its_label(ApplicationScheduling scheduling, string expected)
    {
        CapturingLoggerProvider logs = new();
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions
        {
            LoopCount = 1,
            ApplicationScheduling = scheduling,
            StallThreshold = TimeSpan.FromMilliseconds(20),
        }, logs);
        EventLoop loop = group.Loops[0];
        using ManualResetEventSlim release = new();
        TaskCompletionSource blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ScheduleApplication(_ =>
        {
            loop.ApplicationContext = "GET /report";
            blocked.SetResult();
            // The point of the test: application code that blocks the loop thread.
            release.Wait(Backends.Timeout);
            loop.ApplicationContext = null;
        }, null);
        await blocked.Task.WaitAsync(Backends.Timeout);

        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (!logs.Messages.Any(m => m.Message.Contains(expected, StringComparison.Ordinal)))
        {
            await Task.Delay(5, timeout.Token);
        }

        release.Set();
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Message.Contains("GET /report", StringComparison.Ordinal));

        // The loop keeps serving: other work runs once the blocker returns (Loop) or at once (Adaptive).
        TaskCompletionSource ran = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(static s => ((TaskCompletionSource)s!).SetResult(), ran);
        await ran.Task.WaitAsync(Backends.Timeout);
    }

    [Fact]
    public async Task Adaptive_hand_off_keeps_the_loop_serving_while_the_blocker_runs_then_recovers()
    {
        CapturingLoggerProvider logs = new();
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions
        {
            LoopCount = 1,
            ApplicationScheduling = ApplicationScheduling.Adaptive,
            StallThreshold = TimeSpan.FromMilliseconds(20),
        }, logs);
        EventLoop loop = group.Loops[0];
        using ManualResetEventSlim release = new();
        TaskCompletionSource blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ScheduleApplication(_ =>
        {
            blocked.SetResult();
            release.Wait(Backends.Timeout);
        }, null);
        await blocked.Task.WaitAsync(Backends.Timeout);

        // While the first thread is still blocked, work and timers keep running on the loop's new thread.
        for (int i = 0; i < 20; i++)
        {
            await loop.Delay(TimeSpan.FromMilliseconds(5)).WaitAsync(Backends.Timeout);
        }

        Assert.True(group.Loops[0].Counters.HandOffs >= 1);
        Assert.True(loop.IsDivertingApplicationWork);
        // Diverted application work runs on the thread pool meanwhile.
        TaskCompletionSource<bool> onPool = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ApplicationScheduler.Schedule(_ => onPool.SetResult(Thread.CurrentThread.IsThreadPoolThread), null);
        Assert.True(await onPool.Task.WaitAsync(Backends.Timeout));

        release.Set();
        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (loop.IsDivertingApplicationWork)
        {
            await Task.Delay(5, timeout.Token);
        }

        Assert.Contains(logs.Messages, m => m.Message.Contains("runs on the loop again", StringComparison.Ordinal));
        // The warning says what the kernel saw the thread wait on: here a futex, the Wait of the blocking work item.
        Assert.Contains(logs.Messages, m => m.Message.Contains("took over", StringComparison.Ordinal) && m.Message.Contains("(state S (sleeping)", StringComparison.Ordinal));
        TaskCompletionSource<bool> onLoop = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ApplicationScheduler.Schedule(_ => onLoop.SetResult(loop.IsOnLoopThread), null);
        Assert.True(await onLoop.Task.WaitAsync(Backends.Timeout));
    }
}
