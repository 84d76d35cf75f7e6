using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Time;

namespace Zokio.Microbenchmarks;

/// <summary>
/// What far timers cost a loop: <see cref="FarTimers"/> timers armed an hour out (idle-connection timeouts, say) while
/// near timers keep firing. The wheel used to rescan every timer after each firing to find the next deadline, so a
/// firing cost O(armed timers); the hierarchical wheel looks at six occupancy bitmaps instead.
/// </summary>
/// <remarks>
/// <c>Wheel</c> drives the wheel alone with a synthetic clock: arm a 1 ms timer, advance 1 ms, it fires; the cost of
/// one firing. <c>Loop</c> is the same on a running loop: a 1 ms <see cref="EventLoop.Delay"/> awaited on the loop,
/// so a result is one real timer wait, dominated by the 1 ms tick, plus whatever the wheel adds to the iteration.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TimerWheelBenchmark
{
    private const int Firings = 1000;
    private const int LoopWaits = 20;

    private static readonly long PerMs = Stopwatch.Frequency / 1000;

    private TimerWheel _wheel = null!;
    private NearTimer _near = null!;
    private long _now;
    private EventLoopGroup _group = null!;
    private CancellationTokenSource _farDelays = null!;

    [Params(0, 100_000)]
    public int FarTimers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _wheel = new TimerWheel(0);
        _near = new NearTimer();
        for (int i = 0; i < FarTimers; i++)
        {
            // Twenty days out: the synthetic clock moves 1 ms per firing and must never reach them during a run.
            _wheel.Add(new NearTimer(), TimeSpan.FromDays(20) + TimeSpan.FromMilliseconds(i), 0);
        }

        _group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = LoopBackendKind.IoUring });
        _farDelays = new CancellationTokenSource();
        EventLoop loop = _group.Loops[0];
        for (int i = 0; i < FarTimers; i++)
        {
            _ = loop.Delay(TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(i), _farDelays.Token);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_wheel.Count != FarTimers)
        {
            throw new InvalidOperationException($"{FarTimers - _wheel.Count} far timer(s) fired: the benchmark measured something else.");
        }

        _farDelays.Cancel();
        _group.Dispose();
        _farDelays.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Firings), BenchmarkCategory("Wheel")]
    public void WheelFiring()
    {
        for (int i = 0; i < Firings; i++)
        {
            _wheel.Add(_near, TimeSpan.FromMilliseconds(1), _now);
            _now += PerMs;
            _wheel.Advance(_now);
        }
    }

    [Benchmark(OperationsPerInvoke = LoopWaits), BenchmarkCategory("Loop")]
    public Task LoopDelay() => _group.Loops[0].Spawn(async () =>
    {
        EventLoop loop = EventLoop.Current!;
        for (int i = 0; i < LoopWaits; i++)
        {
            await loop.Delay(TimeSpan.FromMilliseconds(1));
        }
    });

    private sealed class NearTimer : TimerEntry
    {
        public override void OnExpired()
        {
        }

        public override void OnLoopStopped()
        {
        }
    }
}
