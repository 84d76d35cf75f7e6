using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>The scheduling hot paths allocate nothing per item once warm (the queue has grown to its working size).</summary>
public class AllocationTests
{
    private static readonly Action<object?> s_count = static state => Interlocked.Increment(ref ((Counter)state!).Value);
    private static readonly SendOrPostCallback s_countPosted = static state => Interlocked.Increment(ref ((Counter)state!).Value);

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Scheduling_and_posting_to_a_loop_from_another_thread_allocate_nothing(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, configure: o => o.ApplicationScheduling = ApplicationScheduling.Loop);
        EventLoop loop = group.Loops[0];
        SynchronizationContext context = await Backends.OnLoop(loop, () => Task.FromResult(SynchronizationContext.Current!));
        Counter counter = new();

        long Measure(int items)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < items; i++)
            {
                loop.Schedule(s_count, counter);
                context.Post(s_countPosted, counter);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // One dedicated producer thread: allocation counters are per thread, and first use on a new thread
        // (P/Invoke's last-error slot, say) is not what this test is about.
        long allocated = -1;
        Thread producer = new(() =>
        {
            // Warm up: JIT, and let the run queue grow its segments.
            Measure(20_000);
            long total = 0;
            for (int batch = 0; batch < 10; batch++)
            {
                total += Measure(100);
                // Let the loop drain and fall asleep, so the next batch also pays for wake-ups.
                SpinWait.SpinUntil(() => Volatile.Read(ref counter.Value) >= 40_000 + (batch + 1) * 200, Backends.Timeout);
            }

            allocated = total;
        });
        producer.Start();
        await Task.Run(producer.Join).WaitAsync(Backends.Timeout);
        Assert.Equal(0, allocated);
    }

    private sealed class Counter
    {
        public long Value;
    }
}
