using Zokio.Runtime.HandOff;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Io;

/// <summary>
/// The kernel interface of one event loop: io_uring, epoll, and later kqueue or IOCP. A backend is completion-based
/// toward the loop whatever the kernel offers: it is given operations and calls back when each one finishes.
/// </summary>
/// <remarks>All members except <see cref="Wake"/> are called only on the loop's thread.</remarks>
internal abstract class LoopBackend : IDisposable
{
    /// <summary>Which kind this backend is.</summary>
    public abstract LoopBackendKind Kind { get; }

    /// <summary>What the kernel granted (setup flags, features), for the start-up log.</summary>
    public abstract string Description { get; }

    /// <summary>Starts an operation. Its <see cref="IoOperation.Complete"/> runs later on the loop thread, or
    /// before this returns when the backend could finish it at once (epoll).</summary>
    public abstract void Submit(IoOperation operation);

    /// <summary>Asks the kernel to stop an in-flight operation; it then completes with ECANCELED (or its result, if it won the race).</summary>
    public abstract void Cancel(IoOperation operation);

    /// <summary>
    /// True when the backend can run a <see cref="MultishotReceive"/> (io_uring with a provided buffer ring): one
    /// submission for all of a connection's receives instead of a readiness wait and a recv each time.
    /// </summary>
    public virtual bool SupportsMultishotReceive => false;

    /// <summary>Forgets any per-fd state before the fd is closed.</summary>
    public virtual void ForgetFd(int fd)
    {
    }

    /// <summary>
    /// Tells the backend that a direct syscall on <paramref name="fd"/> (recv, accept) returned EAGAIN, so the next
    /// readiness wait really waits (epoll only knows an fd is drained once a syscall said so).
    /// </summary>
    public virtual void MarkNotReadable(int fd)
    {
    }

    /// <summary>Likewise for writing: a non-blocking connect(2) in progress, or a direct send that returned EAGAIN.</summary>
    public virtual void MarkNotWritable(int fd)
    {
    }

    /// <summary>
    /// Hands queued operations to the kernel and runs the callbacks of finished ones. With <paramref name="block"/>,
    /// waits until at least one completes, <see cref="Wake"/> is called, or <paramref name="timeoutNanoseconds"/>
    /// (negative: no limit) passes.
    /// </summary>
    /// <returns>How many completions were dispatched.</returns>
    public abstract int Poll(bool block, long timeoutNanoseconds);

    /// <summary>
    /// Hands operations queued since the last <see cref="Poll"/> to the kernel now, without waiting or running callbacks,
    /// for a loop about to give its core away: a send queued meanwhile would otherwise wait for the loop to come back.
    /// Backends that start operations in <see cref="Submit"/> (epoll) have nothing queued.
    /// </summary>
    public virtual void SubmitQueued()
    {
    }

    /// <summary>Interrupts a blocking <see cref="Poll"/> from any thread.</summary>
    public abstract void Wake();

    /// <summary>
    /// True when the kernel ties this backend to the thread that created it (io_uring with SINGLE_ISSUER and
    /// DEFER_TASKRUN), so a thread taking over a blocked loop needs a backend of its own.
    /// </summary>
    public virtual bool IsThreadBound => false;

    // The primitives below are what the hand-off (HandOff/IoMigration) needs of a thread-bound backend; only such a
    // backend is ever drained, so the others keep these defaults.

    /// <summary>
    /// True when a completion of <paramref name="token"/> waits in this backend, not yet dispatched. Read by a thread
    /// taking over while this backend's own thread is blocked: it looks without consuming.
    /// </summary>
    public virtual bool HoldsCompletionOf(OperationToken token) => false;

    /// <summary>True while requests this backend handed to the kernel have not completed (the wake read included).</summary>
    public virtual bool HasRequestsInKernel => false;

    /// <summary>Asks the kernel to cancel every request this backend has in flight.</summary>
    public virtual void CancelAll() => throw new NotSupportedException($"A {Kind} backend is not drained after a hand-off.");

    /// <summary>
    /// Waits up to <paramref name="timeoutNanoseconds"/> for completions and hands each one to
    /// <paramref name="onCompletion"/> by token, never touching the operations (a receive's bytes copied out of the
    /// backend's buffers). Returns false when the wait timed out with nothing to reap.
    /// </summary>
    public virtual bool WaitAndReapDetached(long timeoutNanoseconds, Action<ForwardedCompletion> onCompletion) =>
        throw new NotSupportedException($"A {Kind} backend is not drained after a hand-off.");

    /// <summary>Calls entering the kernel (io_uring_enter or epoll_wait), for the loop's metrics.</summary>
    public abstract long Enters { get; }

    /// <summary>Operations handed to the kernel (SQEs consumed, for io_uring), for the loop's metrics.</summary>
    public abstract long Submitted { get; }

    public abstract void Dispose();
}
