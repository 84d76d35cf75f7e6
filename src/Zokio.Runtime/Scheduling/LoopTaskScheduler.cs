using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Scheduling;

/// <summary>Runs tasks on one event loop, so code can <c>await</c> back onto it.</summary>
internal sealed class LoopTaskScheduler(EventLoop loop) : TaskScheduler
{
    // The task StartHere is starting on this thread: Task.Start hands it to QueueTask, which then runs it at once.
    [ThreadStatic]
    private static Task? t_startingHere;

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>The loop this scheduler runs tasks on.</summary>
    public EventLoop Loop => loop;

    /// <summary>
    /// Starts <paramref name="task"/> as a task of this scheduler and runs it now, on the calling thread (the loop's, or
    /// the thread pool's while a hand-off diverts application work), so that <see cref="TaskScheduler.Current"/> is
    /// this loop's scheduler inside it and its awaits come back to this loop even where the thread has no
    /// <see cref="SynchronizationContext"/>. Spawned work is bound to a loop this way only once a loop runs it, which
    /// is what lets a thief take it.
    /// </summary>
    public void StartHere(Task task)
    {
        t_startingHere = task;
        try
        {
            task.Start(this);
        }
        finally
        {
            t_startingHere = null;
        }
    }

    protected override void QueueTask(Task task)
    {
        if (ReferenceEquals(task, t_startingHere))
        {
            // Cleared first: tasks the work starts itself are queued as usual.
            t_startingHere = null;
            TryExecuteTask(task);
            return;
        }

        loop.ScheduleApplication(state => TryExecuteTask((Task)state!), task);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        loop.IsOnLoopThread && TryExecuteTask(task);

    // The queue belongs to the loop and mixes in other work; debuggers get no list.
    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
