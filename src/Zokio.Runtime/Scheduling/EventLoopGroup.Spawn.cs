namespace Zokio.Runtime.Loops;

public sealed partial class EventLoopGroup
{
    // Where the search for the least-loaded loop starts; moving it spreads equally loaded loops' share evenly.
    private int _nextSpawnStart = -1;

    /// <summary>
    /// Runs <paramref name="work"/> on the least-loaded loop of the group (fewest queued items and unfinished spawned
    /// tasks); see <see cref="EventLoop.Spawn(Func{Task})"/>.
    /// </summary>
    /// <param name="work">The asynchronous work; called once, on the chosen loop's thread.</param>
    /// <returns>A task that completes with <paramref name="work"/>'s task; exceptions fault it and go nowhere else.</returns>
    /// <exception cref="ObjectDisposedException">The group is stopping.</exception>
    public Task Spawn(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return LeastLoaded().Spawn(work);
    }

    /// <inheritdoc cref="Spawn(Func{Task})"/>
    public Task<T> Spawn<T>(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return LeastLoaded().Spawn(work);
    }

    /// <summary>The loop with the smallest <see cref="EventLoop.Load"/>, ties going round-robin.</summary>
    internal EventLoop LeastLoaded()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int count = _loops.Length;
        int start = (int)((uint)Interlocked.Increment(ref _nextSpawnStart) % (uint)count);
        EventLoop best = _loops[start];
        long bestLoad = best.Load;
        for (int i = 1; i < count && bestLoad > 0; i++)
        {
            EventLoop loop = _loops[(start + i) % count];
            long load = loop.Load;
            if (load < bestLoad)
            {
                best = loop;
                bestLoad = load;
            }
        }

        return best;
    }
}
