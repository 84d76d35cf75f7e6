using System.Threading.Tasks.Sources;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Io;

/// <summary>
/// One kernel operation a loop can have in flight. Each operation type (one sealed class per request, in
/// <c>Io/Operations</c>) owns its arguments and the memory the kernel reads or writes, and says how it runs on every
/// backend: the SQE it prepares (io_uring), the readiness it waits for and the syscall it then makes (epoll), what a
/// stopped loop does with it, and whether a hand-off may re-issue it. The backends only call these members.
/// </summary>
/// <remarks>
/// An operation object is reused for many submissions but is in flight at most once at a time; awaiting
/// <see cref="SubmitAsync"/> allocates nothing. Its continuation runs inline where the loop dispatches the completion.
/// The kernel sees an operation as a <see cref="OperationToken"/>: its slot in the loop's <see cref="OperationRegistry"/>
/// plus a generation that changes with every submission. A completion whose token is not the operation's current one
/// (a copy left on a blocked ring after a hand-off, or one that arrives after the operation was disposed and its slot
/// reused) is recognised as stale and can never complete another submission, or another operation.
/// Call <see cref="Dispose"/> only when the operation is not in flight.
/// </remarks>
internal abstract unsafe class IoOperation : IValueTaskSource<IoResult>, IDisposable
{
    private ManualResetValueTaskSourceCore<IoResult> _core;

    /// <summary>The fd operated on (socket, listening socket, file, AT_FDCWD for a path; -1 for none).</summary>
    public int Fd { get; set; } = -1;

    /// <summary>The io_uring opcode this operation submits; every one is listed in <see cref="IoUring.IoUringOpcodes"/>.</summary>
    public abstract byte Opcode { get; }

    /// <summary>
    /// Which readiness of <see cref="Fd"/> the operation waits for on epoll before <see cref="ExecuteWhenReady"/>, or
    /// <see cref="EpollWait.None"/> to run it at once.
    /// </summary>
    public abstract EpollWait EpollWait { get; }

    /// <summary>What happens to the operation when its loop is handed to a successor thread.</summary>
    public virtual HandOffRule HandOffRule => HandOffRule.Drain;

    /// <summary>True when the operation needs the ring's provided buffers (a ring without them ends it with ENOBUFS).</summary>
    public virtual bool NeedsProvidedBuffers => false;

    /// <summary>True when the operation closes <see cref="Fd"/>: epoll drops its state for the fd first.</summary>
    public virtual bool ClosesFd => false;

    /// <summary>True from submission until the completion callback runs.</summary>
    public bool InFlight { get; internal set; }

    /// <summary>
    /// Set when the owner asked the kernel to cancel this submission, so an ECANCELED result is reported to it rather
    /// than treated as the loop's own cancellation during a hand-off (which re-submits the operation).
    /// </summary>
    internal bool CancelRequested { get; set; }

    /// <summary>The registry that gave this operation its slot (null until first submitted).</summary>
    internal OperationRegistry? Registry { get; set; }

    /// <summary>The slot in <see cref="Registry"/>, from 1; 0 until first submitted.</summary>
    internal uint Slot { get; set; }

    /// <summary>The generation of the current (or last) submission.</summary>
    internal uint Generation { get; set; }

    /// <summary>Identifies the current submission in SQEs and CQEs.</summary>
    internal OperationToken Token => new(Slot, Generation);

    /// <summary>
    /// Fills the SQE's operation-specific fields (opcode, address, length, flags). The SQE is zeroed, and the backend
    /// sets its fd (<see cref="Fd"/>) and user_data.
    /// </summary>
    public abstract void PrepareSqe(IoUringSqe* sqe);

    /// <summary>
    /// The operation as one syscall on the calling thread: non-blocking for sockets (EAGAIN when it would block), the
    /// blocking call for files (on epoll at once, or on the thread pool where the ring cannot run it).
    /// </summary>
    public abstract IoResult ExecuteSyscall();

    /// <summary>
    /// On epoll, once <see cref="EpollWait"/> reported readiness (or at once): the result, or EAGAIN to wait for the
    /// next edge. <paramref name="peerClosed"/> says the peer has shut down or reset (readiness waits report it in
    /// their mask, as a POLL_ADD does).
    /// </summary>
    public virtual IoResult ExecuteWhenReady(bool peerClosed) => ExecuteSyscall();

    /// <summary>The result when the loop has stopped: ECANCELED, so its owner ends instead of waiting forever.</summary>
    public virtual IoResult ExecuteOnStoppedLoop() => IoResult.Canceled;

    /// <summary>Submits the operation with its arguments already set; call on the loop thread.</summary>
    public ValueTask<IoResult> SubmitAsync(LoopBackend backend)
    {
        short version = ResetCompletion(runContinuationsAsynchronously: false);
        backend.Submit(this);
        return new ValueTask<IoResult>(this, version);
    }

    /// <summary>Runs on the loop thread when the kernel completes the operation (or before <c>Submit</c> returns on epoll).</summary>
    public virtual void Complete(IoResult result) => _core.SetResult(result);

    /// <summary>Starts a new awaitable submission; with <paramref name="runContinuationsAsynchronously"/> the awaiter never resumes inline.</summary>
    protected short ResetCompletion(bool runContinuationsAsynchronously)
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = runContinuationsAsynchronously;
        return _core.Version;
    }

    /// <summary>Frees the registry slot and what the operation owns; it must not be in flight.</summary>
    public void Dispose()
    {
        Registry?.Release(this);
        Registry = null;
        ReleaseResources();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees native memory the operation owns, once it is disposed.</summary>
    protected virtual void ReleaseResources()
    {
    }

    public IoResult GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        // Resuming inline, the loop's SynchronizationContext must not capture the continuation: it would turn an inline
        // resume into a queued one. Code awaiting I/O wants to resume right where the completion is dispatched.
        _core.OnCompleted(continuation, state, token, _core.RunContinuationsAsynchronously ? flags : flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);
}
