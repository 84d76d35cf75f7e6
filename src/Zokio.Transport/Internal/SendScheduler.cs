using System.IO.Pipelines;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary>
/// The reader scheduler of a connection's output pipe. A flush on the loop queues the send loop there, so the loop
/// batches its sends through the ring. A flush on any other thread (HTTP/2's frame writer, TLS, a thread-pool handler)
/// runs the send loop right there: it sends with a direct non-blocking sendmsg and hands only what the socket did not
/// take to the loop — no queue, no wake-up, no context switch in the common case.
/// </summary>
/// <remarks>
/// The pipe runs at most one reader continuation at a time, and only when the send loop waits for data: a flush while
/// the loop is sending just adds data it picks up next. So a foreign-thread send and a loop send never overlap, and
/// bytes leave in the order they were written.
/// </remarks>
internal sealed class SendScheduler(EventLoop loop) : PipeScheduler
{
    public override void Schedule(Action<object?> action, object? state)
    {
        if (loop.IsOnLoopThread)
        {
            loop.Schedule(action, state);
            return;
        }

        action(state);
    }
}
