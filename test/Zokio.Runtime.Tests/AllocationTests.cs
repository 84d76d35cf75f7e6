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
            // Warm up: JIT, the run queue's segments, and the wake-up path (the loop falls asleep between batches),
            // which a first call may initialize on this thread. Then measure batches shaped the same way.
            Measure(20_000);
            long expected = 40_000;
            long total = 0;
            for (int batch = 0; batch < 20; batch++)
            {
                long bytes = Measure(100);
                if (batch >= 10)
                {
                    total += bytes;
                }

                expected += 200;
                SpinWait.SpinUntil(() => Volatile.Read(ref counter.Value) >= expected, Backends.Timeout);
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
