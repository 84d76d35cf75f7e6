using BenchmarkDotNet.Attributes;
using Zokio.Runtime.Loops;

namespace Zokio.Microbenchmarks;

/// <summary>
/// A skewed load: all of <see cref="Items"/> CPU-bound work items spawned on loop 0 of a two-loop group (unpinned) and
/// awaited together. Without stealing, loop 0 runs every item while loop 1 sleeps; with it, loop 1 takes half of loop
/// 0's backlog at a time, and each loop keeps taking from the other when it runs dry.
/// </summary>
/// <remarks>
/// An item is a deterministic hash loop of about 27 us (<see cref="HashRounds"/> dependent multiply-xor steps), so a
/// result is one whole batch: about 270 ms on one core, half that on two.
/// </remarks>
[MemoryDiagnoser]
public class WorkStealingBenchmark
{
    private const int Items = 10_000;
    private const int HashRounds = 20_000;

    private static readonly Func<Task> s_work = static () =>
    {
        Hash();
        return Task.CompletedTask;
    };

    private static int s_sink;

    private readonly Task[] _tasks = new Task[Items];
    private EventLoopGroup _withoutStealing = null!;
    private EventLoopGroup _withStealing = null!;

    [GlobalSetup]
    public void Setup()
    {
        _withoutStealing = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 2, WorkStealing = false });
        _withStealing = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 2, WorkStealing = true });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _withoutStealing.Dispose();
        _withStealing.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task WithoutStealing() => SpawnAllOnLoopZero(_withoutStealing);

    [Benchmark]
    public Task WithStealing() => SpawnAllOnLoopZero(_withStealing);

    private Task SpawnAllOnLoopZero(EventLoopGroup group)
    {
        EventLoop loop = group.Loops[0];
        for (int i = 0; i < Items; i++)
        {
            _tasks[i] = loop.Spawn(s_work);
        }

        return Task.WhenAll(_tasks);
    }

    /// <summary>FNV-1a over the round numbers: each step depends on the last, so the JIT can neither skip nor vectorize it.</summary>
    private static void Hash()
    {
        ulong hash = 14695981039346656037;
        for (int i = 0; i < HashRounds; i++)
        {
            hash = (hash ^ (uint)i) * 1099511628211;
        }

        if (hash == 0)
        {
            // Never true; keeps the result observable.
            s_sink++;
        }
    }
}
