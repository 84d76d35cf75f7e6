using Zokio.Runtime.IoUring;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Io.Operations;

/// <summary>
/// A file system call for <see cref="Files.ZokioFile"/>, awaitable from any thread: an SQE on the loop's ring, or, where
/// the ring cannot do it (epoll: regular files are always "ready", so readiness cannot make their I/O asynchronous; or
/// a kernel without the opcode), the blocking syscall on the thread pool with the completion handed back to the loop.
/// </summary>
/// <remarks>One call at a time; the owner awaits each one before starting the next.</remarks>
internal abstract class FileOperation : IoOperation, IThreadPoolWorkItem
{
    /// <summary>The most one read(2) or write(2) transfers on Linux (MAX_RW_COUNT); larger requests are short.</summary>
    public const int MaxTransfer = 0x7ffff000;

    private static readonly Action<object?> s_submit = static state =>
    {
        FileOperation operation = (FileOperation)state!;
        operation._loop.IoBackend.Submit(operation);
    };

    private static readonly Action<object?> s_finish = static state =>
    {
        FileOperation operation = (FileOperation)state!;
        operation.Complete(operation._threadPoolResult);
    };

    private readonly EventLoop _loop;
    private IoResult _threadPoolResult;

    protected FileOperation(EventLoop loop) => _loop = loop;

    // Regular files are always "ready" to epoll, so submitted there the blocking call runs at once on the loop (the
    // loop's own tests do so); ZokioFile sends them to the thread pool instead (StartAsync).
    public override EpollWait EpollWait => EpollWait.None;

    /// <summary>False for calls that must not be made again after EINTR (close(2): the fd is released even then).</summary>
    protected virtual bool RetriesWhenInterrupted => true;

    /// <summary>The blocking call: what libc returns (the thread's errno holds the error when it is negative).</summary>
    protected abstract nint CallBlocking();

    public sealed override IoResult ExecuteSyscall()
    {
        IoResult result;
        do
        {
            result = IoResult.FromSyscall(CallBlocking());
        }
        while (result.Errno == Interop.Errno.EINTR && RetriesWhenInterrupted);

        return result;
    }

    /// <summary>
    /// Starts the call with its arguments set. Started on the loop, the awaiter resumes inline where the loop dispatches
    /// the completion (ZokioFile's own code, which only finishes the call): one queue hop per call, not two. Started
    /// elsewhere, it must not run on the loop thread, so it resumes on the thread pool.
    /// </summary>
    protected ValueTask<IoResult> StartAsync()
    {
        bool onLoop = _loop.IsOnLoopThread;
        short version = ResetCompletion(runContinuationsAsynchronously: !onLoop);
        if (_loop.Backend == LoopBackendKind.IoUring && IoUringOpcodes.IsSupported(Opcode))
        {
            if (onLoop)
            {
                _loop.IoBackend.Submit(this);
            }
            else
            {
                // Only the loop's thread may touch its ring.
                _loop.Schedule(s_submit, this);
            }
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return new ValueTask<IoResult>(this, version);
    }

    /// <summary>The thread-pool path: the blocking syscall here, the completion on the loop.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            _threadPoolResult = ExecuteSyscall();
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without statx(2) (musl before 1.2.5): the call fails like a kernel without it would.
            _threadPoolResult = IoResult.Failure(Interop.Errno.ENOSYS);
        }

        _loop.Schedule(s_finish, this);
    }
}
