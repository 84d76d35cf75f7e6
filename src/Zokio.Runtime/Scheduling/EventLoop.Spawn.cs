using Zokio.Runtime.Scheduling;

namespace Zokio.Runtime.Loops;

public sealed partial class EventLoop
{
    // Spawned tasks queued on or started by this loop and not finished (stolen ones count on the thief): with the run
    // queues' length, the load the group balances.
    private int _spawnedRunning;

    /// <summary>
    /// Runs <paramref name="work"/> on this loop: it starts on the loop's thread, and its <c>await</c>s resume there
    /// (unless it opts out with <c>ConfigureAwait(false)</c>).
    /// </summary>
    /// <remarks>
    /// With <see cref="EventLoopGroupOptions.WorkStealing"/> (the default), a loop of the group with nothing to do may
    /// take the work before it starts, when this loop has a backlog of spawned work; it then starts, and its awaits
    /// resume, on that loop (<see cref="Current"/> says which). Spawned work has no order relative to other work queued
    /// on the loop.
    /// </remarks>
    /// <param name="work">The asynchronous work; called once, on a loop thread.</param>
    /// <returns>
    /// A task that completes with <paramref name="work"/>'s task. An exception thrown by <paramref name="work"/>
    /// (synchronously or not) faults this task; it never reaches the loop or the process.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The loop is stopping.</exception>
    public Task Spawn(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Spawn(() => AsResultTask(work));
    }

    /// <inheritdoc cref="Spawn(Func{Task})"/>
    public Task<T> Spawn<T>(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_stopRequested)
        {
            throw new ObjectDisposedException(nameof(EventLoop), $"Event loop {Index} is stopping; it takes no new work.");
        }

        // Queued as application work the stall detector watches, and run by the TaskScheduler of whichever loop starts
        // it, so its awaits come back to that loop in every scheduling mode: through the loop's SynchronizationContext,
        // or, where the loop thread has none (ApplicationScheduling.ThreadPool), through TaskScheduler.Current.
        SpawnedWork<T> spawned = new(this, work);
        EnqueueSpawned(spawned);
        return spawned.Completion;
    }

    /// <summary>
    /// An awaitable that lets other queued work run first: the code after <c>await EventLoop.Yield()</c> is queued at
    /// the back of the current loop's run queue and continues on the same loop.
    /// </summary>
    /// <remarks>
    /// Spawned work that a hand-off diverted to the thread pool (its loop was blocked) yields to its own loop too: the
    /// rest runs wherever that loop's application work runs then.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Called off a loop thread (see <see cref="Current"/>) and outside
    /// spawned work.</exception>
    public static LoopYieldAwaitable Yield() =>
        new(Current ?? (TaskScheduler.Current as LoopTaskScheduler)?.Loop ?? throw new InvalidOperationException("EventLoop.Yield() re-queues on the current loop; call it on a loop thread (in spawned work, or a handler running on Zokio's loops). Elsewhere use Task.Yield()."));

    /// <summary>How busy the loop is for placing spawned work: queued items plus spawned tasks not yet finished.</summary>
    internal long Load => Volatile.Read(ref _spawnedRunning) + QueueLength;

    /// <summary>Adds <paramref name="delta"/> to the spawned tasks this loop counts as its own (<see cref="Load"/>).</summary>
    internal void AddSpawned(int delta) => Interlocked.Add(ref _spawnedRunning, delta);

    private static async Task<bool> AsResultTask(Func<Task> work)
    {
        await (work() ?? throw new InvalidOperationException("The work given to Spawn returned a null task.")).ConfigureAwait(false);
        return true;
    }
}
