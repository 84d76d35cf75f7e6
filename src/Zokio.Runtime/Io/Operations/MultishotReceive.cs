using System.Buffers;
using System.Runtime.ExceptionServices;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>
/// A socket's multishot receive (io_uring, 6.0): one submission that completes once per receive into the ring's
/// provided buffers until it ends. The backend copies each completion's bytes into <see cref="Start"/>'s target at
/// once; the owner awaits <see cref="WaitAsync"/>, takes the count with <see cref="TakeReceived"/> and, once
/// <see cref="Ended"/>, reads <see cref="EndResult"/> and starts it again if it wants more.
/// </summary>
/// <remarks>
/// The owner is woken once per batch of completions (<see cref="Signal"/>, after the backend dispatched them all), so
/// bytes and the end of stream that arrived together are seen together, as a poll and a recv see them.
/// </remarks>
internal sealed unsafe class MultishotReceive : IoOperation
{
    private IBufferWriter<byte>? _target;
    private long _received;
    private Exception? _failure;
    private bool _awaiting;

    /// <summary>True once the kernel ended the receive (its last completion had no IORING_CQE_F_MORE).</summary>
    public bool Ended { get; private set; }

    /// <summary>
    /// Why it ended: end of stream; a count when the kernel stopped it after delivering bytes (start it again); ENOBUFS
    /// when the ring ran out of buffers (or has none); ECANCELED when canceled.
    /// </summary>
    public IoResult EndResult { get; private set; }

    /// <summary>True while the backend has a wake-up of the owner queued for the end of its completion batch.</summary>
    internal bool SignalQueued { get; set; }

    /// <summary>Starts receiving into <paramref name="target"/>; call on the loop thread, when not in flight.</summary>
    public void Start(IBufferWriter<byte> target, LoopBackend backend)
    {
        _target = target;
        Ended = false;
        EndResult = default;
        backend.Submit(this);
    }

    public override byte Opcode => OpRecv;

    /// <summary>io_uring only (<see cref="LoopBackend.SupportsMultishotReceive"/>); never submitted to epoll.</summary>
    public override EpollWait EpollWait => EpollWait.Readable;

    public override HandOffRule HandOffRule => HandOffRule.ReissueUnlessCompletionPending;

    public override bool NeedsProvidedBuffers => true;

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        // No address or length: each receive takes a buffer of the group, and its completion names it.
        sqe->Opcode = OpRecv;
        sqe->Flags = SqeBufferSelect;
        sqe->IoPrio = RecvMultishot;
        sqe->BufIndex = IoUring.ProvidedBufferRing.GroupId;
    }

    public override IoResult ExecuteSyscall() =>
        throw new NotSupportedException("A multishot receive runs on io_uring with provided buffers only.");

    /// <summary>Completes once bytes were received or the receive ended (at once if either happened already).</summary>
    public ValueTask<IoResult> WaitAsync()
    {
        if (_received > 0 || Ended || _failure is not null)
        {
            return ValueTask.FromResult(default(IoResult));
        }

        short version = ResetCompletion(runContinuationsAsynchronously: false);
        _awaiting = true;
        return new ValueTask<IoResult>(this, version);
    }

    /// <summary>The bytes written to the target since the last call; throws what writing to the target threw.</summary>
    public long TakeReceived()
    {
        if (_failure is { } failure)
        {
            _failure = null;
            ExceptionDispatchInfo.Throw(failure);
        }

        long received = _received;
        _received = 0;
        return received;
    }

    /// <summary>Stops writing into the target: bytes still completing are dropped (the owner is done reading).</summary>
    public void Detach()
    {
        _target = null;
        _received = 0;
    }

    /// <summary>From the backend, on the loop thread: one completion's bytes, copied before the buffer is reused.</summary>
    public void OnReceived(ReadOnlySpan<byte> data)
    {
        if (_target is not { } target)
        {
            return;
        }

        try
        {
            while (!data.IsEmpty)
            {
                Span<byte> destination = target.GetSpan(1);
                int length = Math.Min(destination.Length, data.Length);
                data[..length].CopyTo(destination);
                target.Advance(length);
                data = data[length..];
                _received += length;
            }
        }
        catch (Exception ex)
        {
            // Runs inside the loop's reap: one connection's failure goes to its owner, never up into the loop.
            _target = null;
            _failure = ex;
        }
    }

    /// <summary>The last completion: records why it ended and wakes the owner.</summary>
    public override void Complete(IoResult result)
    {
        OnEnded(result);
        Signal();
    }

    /// <summary>Records the last completion's result, without waking the owner (the backend does so after its batch).</summary>
    public void OnEnded(IoResult result)
    {
        Ended = true;
        EndResult = result;
    }

    /// <summary>Wakes the owner if it waits; its continuation runs inline, on the loop thread.</summary>
    public void Signal()
    {
        SignalQueued = false;
        if (_awaiting)
        {
            _awaiting = false;
            base.Complete(default);
        }
    }
}
