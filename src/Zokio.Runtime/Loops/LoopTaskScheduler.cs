namespace Zokio.Runtime.Loops;

/// <summary>Runs tasks on one event loop, so code can <c>await</c> back onto it.</summary>
internal sealed class LoopTaskScheduler(EventLoop loop) : TaskScheduler
{
    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) =>
        loop.ScheduleApplication(state => TryExecuteTask((Task)state!), task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        loop.IsOnLoopThread && TryExecuteTask(task);

    // The queue belongs to the loop and mixes in other work; debuggers get no list.
    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
