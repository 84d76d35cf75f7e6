using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using BenchmarkDotNet.Attributes;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Microbenchmarks;

/// <summary>
/// One operation submitted and its completion reaped, awaited on the loop thread: an io_uring NOP SQE through
/// io_uring_enter and back as a CQE, against a thread-pool round trip (<c>await Task.Yield()</c>).
/// </summary>
/// <remarks>
/// Each invocation runs <see cref="Operations"/> NOPs back to back on the loop, each awaited before the next is
/// submitted, so a result is one full loop iteration: submit, enter the kernel, reap, resume the awaiting code.
/// epoll has no kernel NOP: its backend completes a NOP inline, so the epoll row is the managed cost of submitting and
/// awaiting an operation with no syscall at all, a floor for the io_uring row rather than a peer of it.
/// </remarks>
[MemoryDiagnoser]
public class NopBenchmark
{
    private const int Operations = 1000;

    private static readonly Action<object?> s_runNops = static state => _ = ((NopRunner)state!).RunAsync();

    private NopRunner _ioUring = null!;
    private NopRunner _epoll = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ioUring = new NopRunner(LoopBackendKind.IoUring);
        _epoll = new NopRunner(LoopBackendKind.Epoll);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ioUring.Dispose();
        _epoll.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public async Task ThreadPoolYield()
    {
        for (int i = 0; i < Operations; i++)
        {
            await Task.Yield();
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void IoUringNop() => _ioUring.Run();

    [Benchmark(OperationsPerInvoke = Operations)]
    public void EpollNop() => _epoll.Run();

    /// <summary>A one-loop group and a reusable NOP operation; <see cref="Run"/> does one invocation's NOPs on the loop.</summary>
    private sealed class NopRunner : IDisposable
    {
        private readonly EventLoopGroup _group;
        private readonly EventLoop _loop;
        private readonly NopOperation _nop = new();
        private readonly ManualResetEventSlim _done = new();
        private Exception? _error;

        public NopRunner(LoopBackendKind backend)
        {
            _group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = backend });
            _loop = _group.Loops[0];
        }

        public void Run()
        {
            _done.Reset();
            _loop.Schedule(s_runNops, this);
            _done.Wait();
            if (_error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }

        // Pooled so that suspending on the first NOP allocates no state machine box.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunAsync()
        {
            try
            {
                LoopBackend backend = _loop.IoBackend;
                for (int i = 0; i < Operations; i++)
                {
                    IoResult result = await _nop.SubmitAsync(backend);
                    if (result != IoResult.Success(0))
                    {
                        throw new InvalidOperationException($"A NOP completed with {result}, not 0.");
                    }
                }
            }
            catch (Exception ex)
            {
                _error = ex;
            }
            finally
            {
                _done.Set();
            }
        }

        public void Dispose()
        {
            _group.Dispose();
            _nop.Dispose();
            _done.Dispose();
        }
    }
}
