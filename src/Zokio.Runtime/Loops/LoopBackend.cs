namespace Zokio.Runtime.Loops;

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

    /// <summary>Starts an operation. Its <see cref="IoOperation.OnCompleted"/> runs later on the loop thread, or
    /// before this returns when the backend could finish it at once (epoll).</summary>
    public abstract void Submit(IoOperation operation);

    /// <summary>Asks the kernel to stop an in-flight operation; it then completes with -ECANCELED (or its result, if it won the race).</summary>
    public abstract void Cancel(IoOperation operation);

    /// <summary>Forgets any per-fd state before the fd is closed.</summary>
    public virtual void ForgetFd(int fd)
    {
    }

    /// <summary>
    /// Hands queued operations to the kernel and runs the callbacks of finished ones. With <paramref name="block"/>,
    /// waits until at least one completes, <see cref="Wake"/> is called, or <paramref name="timeoutNanoseconds"/>
    /// (negative: no limit) passes.
    /// </summary>
    /// <returns>How many completions were dispatched.</returns>
    public abstract int Poll(bool block, long timeoutNanoseconds);

    /// <summary>Interrupts a blocking <see cref="Poll"/> from any thread.</summary>
    public abstract void Wake();

    /// <summary>Counters the loop exports: syscalls entering the kernel and SQEs they carried.</summary>
    public long Enters { get; protected set; }

    /// <summary>SQEs (or syscalls, for epoll) handed to the kernel.</summary>
    public long Submitted { get; protected set; }

    public abstract void Dispose();
}
