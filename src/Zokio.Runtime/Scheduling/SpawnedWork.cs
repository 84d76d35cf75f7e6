using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Scheduling;

/// <summary>
/// Work given to <see cref="EventLoop.Spawn{T}"/> that has not started yet: the one kind of queued item another loop
/// may steal. Whichever loop runs it becomes its home: the work starts on that loop's thread, under that loop's
/// <see cref="TaskScheduler"/>, so its <c>await</c>s resume there in every scheduling mode.
/// </summary>
/// <remarks>
/// The item sits in one loop's spawn queue at a time, and <see cref="Loop"/> is always that loop: a thief moves it (and
/// its share of <see cref="EventLoop.Load"/>) before running it. Its task is started once, by the loop that dequeued
/// it; <see cref="Task.Start(TaskScheduler)"/> would throw on a second start, so an item run twice cannot go unnoticed.
/// </remarks>
internal abstract class SpawnedWork : IThreadPoolWorkItem
{
    // Written by a thief before it runs the item; read when the work finishes, possibly on another thread.
    private volatile EventLoop _loop;

    protected SpawnedWork(EventLoop loop)
    {
        _loop = loop;
        loop.AddSpawned(1);
    }

    /// <summary>The loop whose queue holds (or held) this item; its load counts the work until the work finishes.</summary>
    public EventLoop Loop => _loop;

    /// <summary>On a thief's thread, before it queues the item as its own: the work now belongs to <paramref name="thief"/>.</summary>
    public void MoveTo(EventLoop thief)
    {
        thief.AddSpawned(1);
        _loop.AddSpawned(-1);
        _loop = thief;
    }

    /// <summary>Starts the work on the calling thread, as a task of <see cref="Loop"/>'s scheduler.</summary>
    public abstract void Run();

    /// <summary>From the thread pool, while a hand-off diverts the loop's application work (it runs here, not on the loop).</summary>
    void IThreadPoolWorkItem.Execute() => Run();

    /// <summary>When the work has finished, however it ended: its loop's load no longer counts it.</summary>
    protected void Finished() => _loop.AddSpawned(-1);
}

/// <summary>A <see cref="SpawnedWork"/> whose work produces a <typeparamref name="T"/>.</summary>
internal sealed class SpawnedWork<T> : SpawnedWork
{
    private readonly Func<Task<T>> _work;

    // Created with the item, for Completion; bound to a scheduler only when a loop starts it.
    private readonly Task<Task<T>> _start;

    public SpawnedWork(EventLoop loop, Func<Task<T>> work)
        : base(loop)
    {
        _work = work;
        _start = new Task<Task<T>>(static state => ((SpawnedWork<T>)state!).RunAsync(), this, CancellationToken.None, TaskCreationOptions.DenyChildAttach);
        Completion = _start.Unwrap();
    }

    /// <summary>Completes as the work does; faults with whatever it threw.</summary>
    public Task<T> Completion { get; }

    public override void Run() => Loop.LoopScheduler.StartHere(_start);

    private async Task<T> RunAsync()
    {
        try
        {
            // Only bookkeeping follows, so it may run wherever the work completed.
            return await (_work() ?? throw new InvalidOperationException("The work given to Spawn returned a null task.")).ConfigureAwait(false);
        }
        finally
        {
            Finished();
        }
    }
}
