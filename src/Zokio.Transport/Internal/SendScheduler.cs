using System.IO.Pipelines;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary>
/// The reader scheduler of a connection's output pipe: where the send loop resumes after a flush. A flush on the loop,
/// or off it while the loop is awake, queues it on the loop, which batches the sends of all its connections (into one
/// io_uring_enter on io_uring). A flush off the loop while the loop sleeps (HTTP/2's frame writer, TLS, a thread-pool
/// handler, between requests) resumes it right there: it sends with a direct non-blocking sendmsg and gives the loop
/// only what the socket did not take (<see cref="ZokioConnection"/>'s ProcessSends), with no wake-up and no context switch.
/// </summary>
/// <remarks>
/// Sending on every flush off the loop was measured (d25927b): h2c halved, as each of Kestrel's HTTP/2 flushes became a
/// syscall instead of joining the loop's next send. Waking a sleeping loop costs a syscall and a context switch anyway,
/// and an awake loop picks up what was flushed until it sends, so only the sleeping loop is bypassed.
/// The pipe resumes the reader only while it waits for data, that is once its previous send completed: a direct send
/// never overtakes a send queued or in flight on the loop, and the loop never sends while a direct send runs.
/// </remarks>
internal sealed class SendScheduler(EventLoop loop) : PipeScheduler
{
    public override void Schedule(Action<object?> action, object? state)
    {
        if (loop.IsSleeping && !loop.IsOnLoopThread)
        {
            action(state);
            return;
        }

        loop.Schedule(action, state);
    }
}
