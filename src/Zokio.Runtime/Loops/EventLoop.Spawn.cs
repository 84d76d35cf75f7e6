namespace Zokio.Runtime.Loops;

public sealed partial class EventLoop
{
    // Spawned tasks started on this loop and not finished: with the run queue's length, the load the group balances.
    private int _spawnedRunning;

    /// <summary>
    /// Runs <paramref name="work"/> on this loop: it starts on the loop's thread, and its <c>await</c>s resume there
    /// (unless it opts out with <c>ConfigureAwait(false)</c>).
    /// </summary>
    /// <param name="work">The asynchronous work; called once, on the loop thread.</param>
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

        Interlocked.Increment(ref _spawnedRunning);
        // Run by the loop's TaskScheduler, the work's awaits come back to the loop in every scheduling mode: through
        // the loop's SynchronizationContext, or, where the loop thread has none (ApplicationScheduling.ThreadPool),
        // through TaskScheduler.Current. The scheduler queues it as application work, which the stall detector watches.
        return Task.Factory.StartNew(
            static state =>
            {
                (EventLoop loop, Func<Task<T>> work) = ((EventLoop, Func<Task<T>>))state!;
                return loop.RunSpawnedAsync(work);
            },
            (this, work),
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler).Unwrap();
    }

    /// <summary>
    /// An awaitable that lets other queued work run first: the code after <c>await EventLoop.Yield()</c> is queued at
    /// the back of the current loop's run queue and continues on the same loop.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called off a loop thread (see <see cref="Current"/>).</exception>
    public static LoopYieldAwaitable Yield() =>
        new(Current ?? throw new InvalidOperationException("EventLoop.Yield() re-queues on the current loop; call it on a loop thread (in spawned work, or a handler running on Zokio's loops). Elsewhere use Task.Yield()."));

    /// <summary>How busy the loop is for placing spawned work: queued items plus spawned tasks not yet finished.</summary>
    internal long Load => Volatile.Read(ref _spawnedRunning) + QueueLength;

    private async Task<T> RunSpawnedAsync<T>(Func<Task<T>> work)
    {
        try
        {
            // Only bookkeeping follows, so it may run wherever the work completed.
            return await (work() ?? throw new InvalidOperationException("The work given to Spawn returned a null task.")).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _spawnedRunning);
        }
    }

    private static async Task<bool> AsResultTask(Func<Task> work)
    {
        await (work() ?? throw new InvalidOperationException("The work given to Spawn returned a null task.")).ConfigureAwait(false);
        return true;
    }
}
