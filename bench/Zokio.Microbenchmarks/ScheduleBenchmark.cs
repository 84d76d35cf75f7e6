using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Zokio.Runtime.Loops;

namespace Zokio.Microbenchmarks;

/// <summary>
/// Queuing a work item and running it on another thread: an event loop's run queue (and its eventfd wake-up) against
/// the thread pool's global queue, which is what <see cref="System.IO.Pipelines.PipeScheduler.ThreadPool"/> uses.
/// </summary>
/// <remarks>
/// Each invocation queues <see cref="Items"/> items and waits until the last one ran, so a result is the cost of one
/// item including its share of the wake-ups. <c>FromOtherThread</c> queues from the benchmark thread, the way a
/// thread-pool continuation hands work to a loop; <c>Chain</c> has each item queue the next from the thread it runs on,
/// the way a loop schedules its own follow-up work.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ScheduleBenchmark
{
    private const int Items = 1000;

    private static readonly Action<object?> s_countDown = static state => ((ScheduleBenchmark)state!).CountDown();
    private static readonly Action<object?> s_loopChain = static state => ((ScheduleBenchmark)state!).LoopChainStep();
    private static readonly Action<object?> s_threadPoolChain = static state => ((ScheduleBenchmark)state!).ThreadPoolChainStep();

    private readonly ManualResetEventSlim _done = new();
    private EventLoopGroup _group = null!;
    private EventLoop _loop = null!;
    private CountDownWorkItem _workItem = null!;
    private int _remaining;

    [GlobalSetup]
    public void Setup()
    {
        _group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = LoopBackendKind.IoUring });
        _loop = _group.Loops[0];
        _workItem = new CountDownWorkItem(this);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _group.Dispose();
        _done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items), BenchmarkCategory("FromOtherThread")]
    public void ThreadPoolQueue()
    {
        Begin();
        for (int i = 0; i < Items; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(s_countDown, this, preferLocal: false);
        }

        _done.Wait();
    }

    /// <summary>The thread pool's allocation-free way: one <see cref="IThreadPoolWorkItem"/> queued again and again.</summary>
    [Benchmark(OperationsPerInvoke = Items), BenchmarkCategory("FromOtherThread")]
    public void ThreadPoolWorkItem()
    {
        Begin();
        for (int i = 0; i < Items; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_workItem, preferLocal: false);
        }

        _done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Items), BenchmarkCategory("FromOtherThread")]
    public void LoopSchedule()
    {
        Begin();
        for (int i = 0; i < Items; i++)
        {
            _loop.Schedule(s_countDown, this);
        }

        _done.Wait();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items), BenchmarkCategory("Chain")]
    public void ThreadPoolChain()
    {
        Begin();
        ThreadPool.UnsafeQueueUserWorkItem(s_threadPoolChain, this, preferLocal: false);
        _done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Items), BenchmarkCategory("Chain")]
    public void LoopChain()
    {
        Begin();
        _loop.Schedule(s_loopChain, this);
        _done.Wait();
    }

    private void Begin()
    {
        _done.Reset();
        Volatile.Write(ref _remaining, Items);
    }

    private void CountDown()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.Set();
        }
    }

    // Chain steps run one at a time, each queued by the one before, so the count needs no interlocked operation.
    private void LoopChainStep()
    {
        if (--_remaining == 0)
        {
            _done.Set();
            return;
        }

        _loop.Schedule(s_loopChain, this);
    }

    private void ThreadPoolChainStep()
    {
        if (--_remaining == 0)
        {
            _done.Set();
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(s_threadPoolChain, this, preferLocal: false);
    }

    private sealed class CountDownWorkItem(ScheduleBenchmark owner) : IThreadPoolWorkItem
    {
        public void Execute() => owner.CountDown();
    }
}
