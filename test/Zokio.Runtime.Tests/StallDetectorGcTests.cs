using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// A blocking GC suspends the loop's thread as it suspends every managed thread: that is the runtime's time, not
/// application work blocking the loop, and must not be reported as a stall nor hand the loop to a new thread.
/// </summary>
public class StallDetectorGcTests
{
    private static readonly TimeSpan s_threshold = TimeSpan.FromMilliseconds(50);

    private sealed class Node
    {
        public Node? Next;
        public object? Payload;
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_blocking_GC_longer_than_the_stall_threshold_does_not_hand_the_loop_off(LoopBackendKind backend)
    {
        // Many small live objects, so that marking and compacting them takes several thresholds (measured, not assumed).
        Node[] heap = BuildHeapWhoseFullGcPausesAtLeast(4 * s_threshold);

        CapturingLoggerProvider logs = new();
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions
        {
            LoopCount = 1,
            Backend = backend,
            RingEntries = 64,
            ApplicationScheduling = ApplicationScheduling.Adaptive,
            StallThreshold = s_threshold,
        }, logs);
        EventLoop loop = group.Loops[0];

        TaskCompletionSource<TimeSpan> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ScheduleApplication(_ =>
        {
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            TimeSpan paused = GC.GetTotalPauseDuration() - pausedBefore;
            // Then a short wait, well under the threshold, with the thread asleep in the kernel: the detector now sees
            // work that started more than a threshold ago on a sleeping thread, which without the GC accounting was
            // handed off (as a handler waiting briefly on a lock whose holder the same GC had suspended).
            Thread.Sleep(s_threshold / 2);
            done.SetResult(paused);
        }, null);
        TimeSpan pause = await done.Task.WaitAsync(Backends.Timeout);
        GC.KeepAlive(heap);

        // The premise: the GC really held the loop past the threshold, twice over.
        Assert.True(pause >= 2 * s_threshold, $"The GC paused for {pause.TotalMilliseconds:F0} ms only; the test needs at least {2 * s_threshold.TotalMilliseconds} ms.");

        // The detector has checked several times since the work item returned: any report would have been made.
        TaskCompletionSource after = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await loop.Delay(4 * s_threshold).WaitAsync(Backends.Timeout);
        loop.Schedule(static s => ((TaskCompletionSource)s!).SetResult(), after);
        await after.Task.WaitAsync(Backends.Timeout);

        Assert.True(loop.Counters.HandOffs == 0, $"The GC was taken for a blocked loop: {string.Join(" | ", logs.Messages.Select(m => m.Message))}");
        Assert.Equal(0, loop.Counters.Stalls);
        Assert.DoesNotContain(logs.Messages, m => m.Level == LogLevel.Warning);
    }

    /// <summary>A live object graph that a forced compacting gen2 GC takes at least <paramref name="pause"/> to collect.</summary>
    private static Node[] BuildHeapWhoseFullGcPausesAtLeast(TimeSpan pause)
    {
        // About 300 ms for 4 million nodes on the project's 2-core machine; doubled until it is enough.
        for (int nodes = 1_000_000; ; nodes *= 2)
        {
            Node[] chains = new Node[nodes / 64];
            for (int i = 0; i < nodes; i++)
            {
                chains[i % chains.Length] = new Node { Next = chains[i % chains.Length], Payload = new object() };
            }

            // The first collection compacts the new objects and is slower than the ones after it; the test's is one of those.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            TimeSpan before = GC.GetTotalPauseDuration();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            if (GC.GetTotalPauseDuration() - before >= pause || nodes >= 32_000_000)
            {
                return chains;
            }
        }
    }
}
