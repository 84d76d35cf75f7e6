using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Zokio.Runtime.Loops;

namespace Zokio.Microbenchmarks;

/// <summary>
/// A delay on the loop's timer wheel (<see cref="EventLoop.Delay"/>) against <see cref="Task.Delay(TimeSpan)"/> on the
/// runtime's timer queue: armed and left to fire (<c>Fire</c>), and armed then canceled (<c>Cancel</c>,
/// <c>CancelOnLoop</c>).
/// </summary>
/// <remarks>
/// <c>Fire</c> and <c>Cancel</c> wait from the benchmark thread. A 1 ms delay is dominated by timer resolution, so
/// <c>Fire</c> tells mostly whether a timer is late, and its allocations. Canceling is the cost of a timeout that
/// never fires, the common case for I/O timeouts: <c>Cancel</c> arms and cancels from another thread, so the loop's
/// timer has two cross-thread hops where <see cref="Task.Delay(TimeSpan, CancellationToken)"/> completes inside
/// <see cref="CancellationTokenSource.Cancel()"/>; <c>CancelOnLoop</c> does it where transport code does, on the
/// loop thread, <see cref="Batch"/> at a time, each canceled delay awaited before the next is armed.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TimerBenchmark
{
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    // Long enough never to fire before it is canceled.
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    private const int Batch = 1000;

    private static readonly Action<object?> s_cancelBatchOnLoop = static state => _ = ((TimerBenchmark)state!).CancelBatchOnLoopAsync();

    private readonly ManualResetEventSlim _batchDone = new();
    private EventLoopGroup _group = null!;
    private EventLoop _loop = null!;
    private Exception? _batchError;

    [GlobalSetup]
    public void Setup()
    {
        _group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = LoopBackendKind.IoUring });
        _loop = _group.Loops[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _group.Dispose();
        _batchDone.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Fire")]
    public Task TaskDelay() => Task.Delay(OneMillisecond);

    [Benchmark, BenchmarkCategory("Fire")]
    public Task LoopDelay() => _loop.Delay(OneMillisecond);

    [Benchmark(Baseline = true), BenchmarkCategory("Cancel")]
    public void TaskDelayCanceled()
    {
        using CancellationTokenSource cts = new();
        Task delay = Task.Delay(OneMinute, cts.Token);
        cts.Cancel();
        WaitWithoutThrowing(delay);
    }

    [Benchmark, BenchmarkCategory("Cancel")]
    public void LoopDelayCanceled()
    {
        using CancellationTokenSource cts = new();
        Task delay = _loop.Delay(OneMinute, cts.Token);
        cts.Cancel();
        WaitWithoutThrowing(delay);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("CancelOnLoop")]
    public void TaskDelayCanceledInBatch()
    {
        for (int i = 0; i < Batch; i++)
        {
            TaskDelayCanceled();
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("CancelOnLoop")]
    public void LoopDelayCanceledOnLoop()
    {
        _batchDone.Reset();
        _loop.Schedule(s_cancelBatchOnLoop, this);
        _batchDone.Wait();
        if (Interlocked.Exchange(ref _batchError, null) is { } error)
        {
            throw new InvalidOperationException("The batch on the loop failed.", error);
        }
    }

    // Pooled so that the batch itself allocates nothing per invocation; what remains is the timers' own cost.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CancelBatchOnLoopAsync()
    {
        try
        {
            for (int i = 0; i < Batch; i++)
            {
                using CancellationTokenSource cts = new();
                Task delay = _loop.Delay(OneMinute, cts.Token);
                cts.Cancel();
                // Resume on the loop (its SynchronizationContext), as awaiting transport code does.
                await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                if (!delay.IsCanceled)
                {
                    throw new InvalidOperationException($"The delay ended as {delay.Status}, not Canceled: the benchmark measured something else.");
                }
            }
        }
        catch (Exception ex)
        {
            _batchError = ex;
        }
        finally
        {
            _batchDone.Set();
        }
    }

    // A canceled task would throw from a plain wait; an exception per operation would swamp what is measured.
    private static void WaitWithoutThrowing(Task task)
    {
        task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        if (!task.IsCanceled)
        {
            throw new InvalidOperationException($"The delay ended as {task.Status}, not Canceled: the benchmark measured something else.");
        }
    }
}
