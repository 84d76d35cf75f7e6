using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>The io_uring backend: one ring per loop, every operation a single SQE, every wait a single io_uring_enter.</summary>
internal sealed unsafe class IoUringBackend : LoopBackend
{
    private readonly Ring _ring;
    private readonly OperationRegistry _registry;
    private readonly FileDescriptorHandle _wakeFd;
    private readonly ulong* _wakeBuffer;

    // Null when the kernel refuses provided buffer rings (before 5.19) or they are turned off: receives then poll + recv.
    private readonly ProvidedBufferRing? _receiveBuffers;

    // Multishot receives that got completions in this reap; their owners are woken once it is done (MultishotReceive).
    private readonly List<MultishotReceive> _receivesToSignal = [];

    // Requests with a token the kernel holds (the wake read included): a drain after a hand-off waits for all of them.
    private long _inFlight;

    // Completions taken off a full CQ while the SQ was full too (io_uring_enter said EBUSY): kept here, in order, and
    // dispatched by the next reap, so a callback never runs inside another operation's submission.
    private IoUringCqe[] _setAside = new IoUringCqe[16];
    private int _setAsideHead;
    private int _setAsideCount;

    private IoUringBackend(Ring ring, OperationRegistry registry, FileDescriptorHandle wakeFd, ProvidedBufferRing? receiveBuffers)
    {
        _ring = ring;
        _registry = registry;
        _wakeFd = wakeFd;
        _receiveBuffers = receiveBuffers;
        _wakeBuffer = (ulong*)NativeMemory.Alloc(sizeof(ulong));
        SubmitWakeRead();
    }

    public override LoopBackendKind Kind => LoopBackendKind.IoUring;

    public override long Enters => _ring.Enters;

    public override long Submitted => _ring.Submitted;

    public override bool SupportsMultishotReceive => _receiveBuffers is not null;

    public override bool IsThreadBound => (_ring.SetupFlags & (SetupSingleIssuer | SetupDeferTaskrun | SetupCoopTaskrun)) != 0;

    public override string Description =>
        $"io_uring sq={_ring.SqEntries} flags=0x{_ring.SetupFlags:x} features=0x{_ring.Features:x} " +
        (_receiveBuffers is null ? "receive=poll+recv" : $"receive=multishot buffers={_receiveBuffers.Count}");

    /// <summary>
    /// Creates the backend on the calling thread (with SINGLE_ISSUER the ring belongs to the thread that creates it).
    /// Returns null and the errno when the kernel refuses io_uring (ENOSYS, EPERM under seccomp, io_uring_disabled).
    /// <paramref name="receiveBuffers"/> provided buffers (0: none) let sockets receive with one multishot request each.
    /// </summary>
    public static IoUringBackend? TryCreate(int entries, bool singleIssuer, int receiveBuffers, OperationRegistry registry, out int errno, out string? reason)
    {
        uint flags = SetupSubmitAll;
        if (singleIssuer)
        {
            // SINGLE_ISSUER + DEFER_TASKRUN: completions are run only when this thread enters the kernel to wait,
            // with no IPIs to interrupt it (io_uring_setup(2), kernel 6.1). COOP_TASKRUN likewise skips the interrupt.
            // All three require that no other thread ever takes over the ring, which adaptive scheduling does.
            flags |= SetupSingleIssuer | SetupDeferTaskrun | SetupCoopTaskrun | SetupTaskrunFlag;
        }

        // A CQ four times the SQ: in-flight receives outnumber SQ slots, and FEAT_NODROP keeps any overflow anyway.
        Ring? ring = Ring.TryCreate((uint)entries, (uint)entries * 4, flags, out errno);
        if (ring is null)
        {
            reason = errno == Interop.Errno.ENOMEM
                ? "the kernel could not lock memory for the ring (ENOMEM: RLIMIT_MEMLOCK)"
                : IoUringRefusal.Explain("io_uring_setup", errno);
            return null;
        }

        if ((ring.Features & FeatExtArg) == 0 || (ring.Features & FeatNoDrop) == 0)
        {
            ring.Dispose();
            errno = Interop.Errno.EOPNOTSUPP;
            reason = "the kernel's io_uring lacks IORING_FEAT_EXT_ARG or IORING_FEAT_NODROP (needs Linux 5.11 or newer)";
            return null;
        }

        // IORING_REGISTER_PROBE (5.6): refuse io_uring up front rather than fail the first connection on a missing opcode.
        // Once per process: every ring of the process is made on the same kernel under the same seccomp profile.
        bool[]? supported = IoUringOpcodes.Known ?? ring.ProbeOpcodes(out errno);
        if (supported is null)
        {
            ring.Dispose();
            reason = IoUringRefusal.Explain("io_uring_register", errno);
            return null;
        }

        IoUringOpcodes.Remember(supported);
        string[] missing = IoUringOpcodes.MissingRequired(supported);
        if (missing.Length > 0)
        {
            ring.Dispose();
            errno = Interop.Errno.EOPNOTSUPP;
            reason = $"the kernel's io_uring does not support {string.Join(", ", missing)}";
            return null;
        }

        // A seccomp profile may allow io_uring_setup and io_uring_register yet deny io_uring_enter, and then the loop's
        // first wait would fail. One NOP through the ring proves the syscall the loop lives on before io_uring is chosen.
        errno = ring.RoundTripNop();
        if (errno != 0)
        {
            ring.Dispose();
            reason = IoUringRefusal.Explain("io_uring_enter", errno);
            return null;
        }

        int efd = Interop.Sys.Eventfd(0, Interop.Sys.EFD_CLOEXEC);
        if (efd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            ring.Dispose();
            reason = $"eventfd failed with errno {errno}";
            return null;
        }

        // Multishot RECV (6.0) needs a provided buffer ring (5.19); a kernel without them refuses the registration, and
        // receives then wait for readiness and recv directly.
        ProvidedBufferRing? buffers = receiveBuffers > 0 && supported[OpRecv]
            ? ProvidedBufferRing.TryRegister(ring.Fd, receiveBuffers, out _)
            : null;
        reason = null;
        return new IoUringBackend(ring, registry, new FileDescriptorHandle(efd), buffers);
    }

    public override void Submit(IoOperation operation)
    {
        if (operation.NeedsProvidedBuffers && _receiveBuffers is null)
        {
            // Only after a hand-off to a ring whose buffers could not be registered: the owner falls back to poll + recv.
            operation.InFlight = false;
            operation.Complete(IoResult.Failure(Interop.Errno.ENOBUFS));
            return;
        }

        OperationToken token = _registry.Issue(operation);
        IoUringSqe* sqe = GetSqe();
        operation.PrepareSqe(sqe);
        sqe->Fd = operation.Fd;
        sqe->UserData = token.Value;
        operation.InFlight = true;
        operation.CancelRequested = false;
        _inFlight++;
    }

    public override void Cancel(IoOperation operation)
    {
        if (operation.InFlight)
        {
            operation.CancelRequested = true;
            // The cancel's own completion carries nothing the loop needs. If the operation was submitted to a blocked
            // ring before a hand-off, this finds nothing here; that ring's drain then reports it canceled.
            SubmitCancel(operation.Token.Value, flags: 0);
        }
    }

    public override int Poll(bool block, long timeoutNanoseconds)
    {
        int result = _ring.SubmitAndWait(block, timeoutNanoseconds);
        ThrowIfEnterFailed(result);
        int count = 0;
        while (TryTakeCompletion(out IoUringCqe cqe))
        {
            count++;
            Dispatch(cqe);
        }

        if (_receivesToSignal.Count > 0)
        {
            SignalReceives();
        }

        return count;
    }

    public override void SubmitQueued() =>
        // A failure (EBUSY with a full CQ, EINTR) leaves the SQEs queued; the next Poll submits them and reports it.
        _ring.Submit();

    private void SignalReceives()
    {
        // Owners resume inline here and may submit, but only a reap adds to the list, so it is stable while signaling.
        foreach (MultishotReceive receive in _receivesToSignal)
        {
            receive.Signal();
        }

        _receivesToSignal.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dispatch(in IoUringCqe cqe)
    {
        OperationToken token = OperationToken.FromValue(cqe.UserData);
        if (token == OperationToken.None)
        {
            return;
        }

        if (token == OperationToken.Wake)
        {
            _inFlight--;
            SubmitWakeRead();
            return;
        }

        // A token that resolves to nothing is a stale copy of a wait that moved to another ring in a hand-off.
        IoOperation? operation = _registry.Resolve(token);
        if ((cqe.Flags & CqeBuffer) != 0 || operation is MultishotReceive)
        {
            DispatchReceive(cqe, operation as MultishotReceive);
            return;
        }

        _inFlight--;
        if (operation is not null)
        {
            operation.InFlight = false;
            operation.Complete(IoResult.FromKernel(cqe.Res));
        }
    }

    /// <summary>
    /// One completion of a multishot receive: its bytes are copied out and the buffer goes straight back to the ring;
    /// the owner is woken after the whole reap. Only the last completion (no IORING_CQE_F_MORE) ends the request.
    /// </summary>
    private void DispatchReceive(in IoUringCqe cqe, MultishotReceive? receive)
    {
        if ((cqe.Flags & CqeBuffer) != 0)
        {
            ushort bid = (ushort)(cqe.Flags >> CqeBufferShift);
            if (cqe.Res > 0)
            {
                receive?.OnReceived(_receiveBuffers!.Received(bid, cqe.Res));
            }

            _receiveBuffers!.Recycle(bid);
        }

        bool more = (cqe.Flags & CqeMore) != 0;
        if (!more)
        {
            _inFlight--;
        }

        if (receive is null)
        {
            return;
        }

        if (!more)
        {
            receive.InFlight = false;
            receive.OnEnded(IoResult.FromKernel(cqe.Res));
        }

        if (!receive.SignalQueued)
        {
            receive.SignalQueued = true;
            _receivesToSignal.Add(receive);
        }
    }

    /// <summary>The next completion: those set aside while the SQ was full first, then the ring's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTakeCompletion(out IoUringCqe cqe)
    {
        if (_setAsideCount > 0)
        {
            cqe = _setAside[_setAsideHead];
            _setAsideHead = (_setAsideHead + 1) % _setAside.Length;
            _setAsideCount--;
            return true;
        }

        if (_ring.TryPeekCompletion(0, out cqe))
        {
            // Release the slot before the callback: callbacks submit, and a full CQ would only grow the kernel's backlog.
            _ring.AdvanceCompletions(1);
            return true;
        }

        return false;
    }

    private void SetAsideCompletions()
    {
        while (_ring.TryPeekCompletion(0, out IoUringCqe cqe))
        {
            _ring.AdvanceCompletions(1);
            if (_setAsideCount == _setAside.Length)
            {
                IoUringCqe[] larger = new IoUringCqe[_setAside.Length * 2];
                for (int i = 0; i < _setAsideCount; i++)
                {
                    larger[i] = _setAside[(_setAsideHead + i) % _setAside.Length];
                }

                _setAside = larger;
                _setAsideHead = 0;
            }

            _setAside[(_setAsideHead + _setAsideCount) % _setAside.Length] = cqe;
            _setAsideCount++;
        }
    }

    public override bool HasRequestsInKernel => _inFlight > 0;

    /// <summary>
    /// A completion of <paramref name="token"/> set aside or still in the CQ. Called by a successor while this ring's
    /// thread is blocked (it touches the ring only after the take-over), reading without consuming.
    /// </summary>
    public override bool HoldsCompletionOf(OperationToken token)
    {
        for (int i = 0; i < _setAsideCount; i++)
        {
            if (_setAside[(_setAsideHead + i) % _setAside.Length].UserData == token.Value)
            {
                return true;
            }
        }

        for (uint offset = 0; _ring.TryPeekCompletion(offset, out IoUringCqe cqe); offset++)
        {
            if (cqe.UserData == token.Value)
            {
                return true;
            }
        }

        return false;
    }

    public override void CancelAll() => SubmitCancel(0, AsyncCancelAll | AsyncCancelAny);

    public override bool WaitAndReapDetached(long timeoutNanoseconds, Action<ForwardedCompletion> onCompletion)
    {
        int result = _ring.SubmitAndWait(wait: true, timeoutNanoseconds);
        if (result == -Interop.Errno.ETIME)
        {
            return false;
        }

        ThrowIfEnterFailed(result);
        while (TryTakeCompletion(out IoUringCqe cqe))
        {
            OperationToken token = OperationToken.FromValue(cqe.UserData);
            if (token == OperationToken.None)
            {
                continue;
            }

            bool more = (cqe.Flags & CqeMore) != 0;
            if (!more)
            {
                _inFlight--;
            }

            byte[]? received = null;
            if ((cqe.Flags & CqeBuffer) != 0)
            {
                // This ring's buffers end with it: the bytes travel in a copy (a rare path, allowed to allocate).
                ushort bid = (ushort)(cqe.Flags >> CqeBufferShift);
                received = cqe.Res > 0 ? _receiveBuffers!.Received(bid, cqe.Res).ToArray() : null;
                _receiveBuffers!.Recycle(bid);
            }

            if (token != OperationToken.Wake)
            {
                onCompletion(new ForwardedCompletion(token, IoResult.FromKernel(cqe.Res), more, received));
            }
        }

        return true;
    }

    private static void ThrowIfEnterFailed(int result)
    {
        // ETIME (timeout), EINTR (signal) and EBUSY/EAGAIN (CQ backlog: reap, then submit again) all mean: reap what is there.
        if (result < 0 && result != -Interop.Errno.ETIME && result != -Interop.Errno.EINTR && result != -Interop.Errno.EBUSY && result != -Interop.Errno.EAGAIN)
        {
            throw new InvalidOperationException($"io_uring_enter failed with errno {-result}.");
        }
    }

    private void SubmitCancel(ulong userData, uint flags)
    {
        IoUringSqe* sqe = GetSqe();
        sqe->Opcode = OpAsyncCancel;
        sqe->Fd = -1;
        sqe->Addr = userData;
        sqe->OpFlags = flags;
        sqe->UserData = OperationToken.None.Value;
    }

    /// <summary>Keeps an 8-byte read armed on the wake eventfd, so a write to it ends a blocking wait.</summary>
    private void SubmitWakeRead()
    {
        IoUringSqe* sqe = GetSqe();
        sqe->Opcode = OpRead;
        sqe->Fd = _wakeFd.Fd;
        sqe->Addr = (ulong)_wakeBuffer;
        sqe->Len = sizeof(ulong);
        sqe->UserData = OperationToken.Wake.Value;
        _inFlight++;
    }

    public override void Wake()
    {
        ulong one = 1;
        Interop.Sys.Write(_wakeFd.Fd, &one, sizeof(ulong));
    }

    private IoUringSqe* GetSqe()
    {
        IoUringSqe* sqe = _ring.TryGetSqe();
        while (sqe == null)
        {
            // SQ full: hand the batch to the kernel without waiting, then take the freed slot. EBUSY means the CQ is
            // backed up: move its completions aside (no callbacks run here) so the kernel takes submissions again.
            int result = _ring.SubmitAndWait(wait: false, -1);
            if (result == -Interop.Errno.EBUSY || result == -Interop.Errno.EAGAIN)
            {
                SetAsideCompletions();
            }
            else
            {
                ThrowIfEnterFailed(result);
            }

            sqe = _ring.TryGetSqe();
        }

        return sqe;
    }

    public override void Dispose()
    {
        // Closing the ring cancels whatever is still in flight; the wake read's buffer stays valid until then.
        _ring.Dispose();
        _receiveBuffers?.Dispose();
        _wakeFd.Dispose();
        NativeMemory.Free(_wakeBuffer);
    }
}
