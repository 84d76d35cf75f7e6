using System.IO.Pipelines;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Scheduling;

/// <summary>
/// The <see cref="PipeScheduler"/> for application work of a loop's connections (the application's side of the pipes):
/// the loop itself, or the thread pool while the stall detector has found the loop blocked.
/// </summary>
internal sealed class ApplicationWorkScheduler(EventLoop loop) : PipeScheduler
{
    public override void Schedule(Action<object?> action, object? state)
    {
        if (loop.IsDivertingApplicationWork)
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(action, state, preferLocal: false);
            return;
        }

        loop.ScheduleApplication(action, state);
    }
}
