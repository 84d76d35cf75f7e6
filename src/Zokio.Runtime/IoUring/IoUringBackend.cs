using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>The io_uring backend: one ring per loop, every operation a single SQE, every wait a single io_uring_enter.</summary>
internal sealed unsafe class IoUringBackend : LoopBackend
{
    // POLLIN | POLLERR | POLLHUP | POLLRDHUP: readable, or the peer is gone (poll(2)).
    private const uint PollReadableMask = 0x001 | 0x008 | 0x010 | 0x2000;

    private readonly Ring _ring;
    private readonly FileDescriptorHandle _wakeFd;
    private readonly WakeOperation _wakeOperation;

    // Every operation the kernel holds, so a thread taking over a blocked loop can see what was pending.
    private IoOperation? _inKernel;

    // Operations re-issued on a successor's ring after a hand-off: their completions here are stale.
    private HashSet<IoOperation>? _reissued;

    private IoUringBackend(Ring ring, FileDescriptorHandle wakeFd)
    {
        _ring = ring;
        _wakeFd = wakeFd;
        _wakeOperation = new WakeOperation(this, wakeFd.Fd);
        Submit(_wakeOperation);
    }

    public override LoopBackendKind Kind => LoopBackendKind.IoUring;

    public override long Enters => _ring.Enters;

    public override long Submitted => _ring.Submitted;

    public override bool IsThreadBound => (_ring.SetupFlags & (SetupSingleIssuer | SetupDeferTaskrun | SetupCoopTaskrun)) != 0;

    public override string Description =>
        $"io_uring sq={_ring.SqEntries} flags=0x{_ring.SetupFlags:x} features=0x{_ring.Features:x}";

    // Every opcode the loops submit. RECV/SEND/ACCEPT/CONNECT arrived in 5.5 and 5.6, so an old kernel may lack some.
    private static readonly (byte Opcode, string Name)[] s_requiredOpcodes =
    [
        (OpNop, "NOP"), (OpPollAdd, "POLL_ADD"), (OpSendMsg, "SENDMSG"), (OpAccept, "ACCEPT"), (OpAsyncCancel, "ASYNC_CANCEL"),
        (OpConnect, "CONNECT"), (OpClose, "CLOSE"), (OpRead, "READ"), (OpWrite, "WRITE"), (OpSend, "SEND"), (OpRecv, "RECV"),
    ];

    /// <summary>
    /// Creates the backend on the calling thread (with SINGLE_ISSUER the ring belongs to the thread that creates it).
    /// Returns null and the errno when the kernel refuses io_uring (ENOSYS, EPERM under seccomp, io_uring_disabled).
    /// </summary>
    public static IoUringBackend? TryCreate(int entries, bool singleIssuer, out int errno, out string? reason)
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
            reason = errno switch
            {
                Interop.Errno.ENOSYS => "the kernel has no io_uring (ENOSYS)",
                Interop.Errno.EPERM => "io_uring is forbidden here (EPERM: seccomp, or sysctl kernel.io_uring_disabled)",
                Interop.Errno.ENOMEM => "the kernel could not lock memory for the ring (ENOMEM: RLIMIT_MEMLOCK)",
                _ => $"io_uring_setup failed with errno {errno}",
            };
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
        bool[]? supported = ring.ProbeOpcodes(out errno);
        if (supported is null)
        {
            ring.Dispose();
            reason = Refused("io_uring_register", errno);
            return null;
        }

        string[] missing = [.. s_requiredOpcodes.Where(op => !supported[op.Opcode]).Select(op => op.Name)];
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
            reason = Refused("io_uring_enter", errno);
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

        reason = null;
        return new IoUringBackend(ring, new FileDescriptorHandle(efd));
    }

    /// <summary>Why io_uring cannot be used when a ring was made but a later syscall on it fails.</summary>
    private static string Refused(string syscall, int errno) => errno switch
    {
        Interop.Errno.EPERM => $"{syscall} is forbidden here (EPERM: seccomp)",
        Interop.Errno.ENOSYS => $"{syscall} is not available (ENOSYS: seccomp, or an old kernel)",
        _ => $"{syscall} failed with errno {errno}",
    };

    public override void Submit(IoOperation operation)
    {
        IoUringSqe* sqe = GetSqe();
        sqe->Fd = operation.Fd;
        sqe->UserData = operation.UserData;
        switch (operation.Kind)
        {
            case IoOperationKind.Nop:
                sqe->Opcode = OpNop;
                break;
            case IoOperationKind.Accept:
                sqe->Opcode = OpAccept;
                sqe->Addr = (ulong)operation.Address;
                sqe->Off = (ulong)operation.Length;
                sqe->OpFlags = (uint)operation.Flags;
                break;
            case IoOperationKind.Connect:
                sqe->Opcode = OpConnect;
                sqe->Addr = (ulong)operation.Address;
                sqe->Off = (ulong)operation.Length;
                break;
            case IoOperationKind.Receive:
                sqe->Opcode = OpRecv;
                sqe->Addr = (ulong)operation.Address;
                sqe->Len = (uint)operation.Length;
                sqe->OpFlags = (uint)operation.Flags;
                break;
            case IoOperationKind.SendMessage:
                sqe->Opcode = OpSendMsg;
                sqe->Addr = (ulong)operation.Address;
                sqe->Len = 1;
                sqe->OpFlags = (uint)(operation.Flags | Interop.Sys.MSG_NOSIGNAL);
                break;
            case IoOperationKind.PollReadable:
                sqe->Opcode = OpPollAdd;
                sqe->OpFlags = PollReadableMask;
                break;
            case IoOperationKind.Read:
                sqe->Opcode = OpRead;
                sqe->Addr = (ulong)operation.Address;
                sqe->Len = (uint)operation.Length;
                sqe->Off = (ulong)operation.Offset;
                break;
            case IoOperationKind.Write:
                sqe->Opcode = OpWrite;
                sqe->Addr = (ulong)operation.Address;
                sqe->Len = (uint)operation.Length;
                sqe->Off = (ulong)operation.Offset;
                break;
            case IoOperationKind.Send:
                sqe->Opcode = OpSend;
                sqe->Addr = (ulong)operation.Address;
                sqe->Len = (uint)operation.Length;
                sqe->OpFlags = (uint)(operation.Flags | Interop.Sys.MSG_NOSIGNAL);
                break;
            case IoOperationKind.Close:
                // The kernel closes the fd once requests already using it have their reference (io_uring_prep_close(3)).
                sqe->Opcode = OpClose;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "Unknown io_uring operation kind.");
        }

        operation.InFlight = true;
        Link(operation);
    }

    private void Link(IoOperation operation)
    {
        operation.PreviousInKernel = null;
        operation.NextInKernel = _inKernel;
        if (_inKernel is not null)
        {
            _inKernel.PreviousInKernel = operation;
        }

        _inKernel = operation;
    }

    private void Unlink(IoOperation operation)
    {
        if (operation.PreviousInKernel is not null)
        {
            operation.PreviousInKernel.NextInKernel = operation.NextInKernel;
        }
        else if (_inKernel == operation)
        {
            _inKernel = operation.NextInKernel;
        }

        if (operation.NextInKernel is not null)
        {
            operation.NextInKernel.PreviousInKernel = operation.PreviousInKernel;
        }

        operation.NextInKernel = operation.PreviousInKernel = null;
    }

    public override void Cancel(IoOperation operation)
    {
        if (operation.InFlight)
        {
            // The cancel's own completion (user_data 0) carries nothing the loop needs.
            CancelByUserData(operation.UserData);
        }
    }

    public override int Poll(bool block, long timeoutNanoseconds)
    {
        int result = _ring.SubmitAndWait(block, timeoutNanoseconds);
        // ETIME (timeout), EINTR (signal) and EBUSY (CQ backlog: reap, then submit again) all mean: reap what is there.
        if (result < 0 && result != -Interop.Errno.ETIME && result != -Interop.Errno.EINTR && result != -Interop.Errno.EBUSY && result != -Interop.Errno.EAGAIN)
        {
            throw new InvalidOperationException($"io_uring_enter failed with errno {-result}.");
        }

        return Reap();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Reap()
    {
        int count = 0;
        while (_ring.TryPeekCompletion(0, out IoUringCqe cqe))
        {
            // Release the slot before the callback: callbacks submit, and a full CQ would only grow the kernel's backlog.
            _ring.AdvanceCompletions(1);
            count++;
            if (cqe.UserData == 0)
            {
                continue;
            }

            IoOperation operation = IoOperation.FromUserData(cqe.UserData);
            Unlink(operation);
            operation.InFlight = false;
            operation.OnCompleted(cqe.Res);
        }

        return count;
    }

    public override void AdoptWaitsFrom(LoopBackend previous)
    {
        IoUringBackend old = (IoUringBackend)previous;
        List<IoOperation> waits = [];
        for (IoOperation? op = old._inKernel; op is not null; op = op.NextInKernel)
        {
            // A readiness poll consumes nothing and a second accept takes a different connection, so these two may
            // be pending on both rings at once. Receives and sends may not: they stay on the old ring until it drains.
            if (op != old._wakeOperation && op.Kind is IoOperationKind.PollReadable or IoOperationKind.Accept)
            {
                waits.Add(op);
            }
        }

        old._reissued = [.. waits];
        foreach (IoOperation op in waits)
        {
            old.Unlink(op);
            Submit(op);
        }
    }

    public override void DrainAfterHandOff(Action<IoOperation, int> forward)
    {
        HashSet<IoOperation> reissued = _reissued ?? [];
        int pending = reissued.Count + 1; // the re-issued waits, and the wake read
        foreach (IoOperation op in reissued)
        {
            CancelByUserData(op.UserData);
        }

        CancelByUserData(_wakeOperation.UserData);
        for (IoOperation? op = _inKernel; op is not null; op = op.NextInKernel)
        {
            if (op != _wakeOperation)
            {
                pending++;
            }
        }

        while (pending > 0)
        {
            int result = _ring.SubmitAndWait(wait: true, timeoutNanoseconds: 1_000_000_000);
            if (result < 0 && result != -Interop.Errno.ETIME && result != -Interop.Errno.EINTR && result != -Interop.Errno.EBUSY)
            {
                break;
            }

            while (_ring.TryPeekCompletion(0, out IoUringCqe cqe))
            {
                _ring.AdvanceCompletions(1);
                if (cqe.UserData == 0)
                {
                    continue;
                }

                pending--;
                IoOperation op = IoOperation.FromUserData(cqe.UserData);
                if (op == _wakeOperation)
                {
                    continue;
                }

                if (reissued.Remove(op))
                {
                    // Stale: the successor's copy of this wait is the live one. An accept that won the race against
                    // its cancel took a connection nobody will serve; close it rather than leak it.
                    if (op.Kind == IoOperationKind.Accept && cqe.Res >= 0)
                    {
                        Interop.Sys.Close(cqe.Res);
                    }

                    continue;
                }

                Unlink(op);
                forward(op, cqe.Res);
            }
        }

        Dispose();
    }

    private void CancelByUserData(ulong userData)
    {
        IoUringSqe* sqe = GetSqe();
        sqe->Opcode = OpAsyncCancel;
        sqe->Fd = -1;
        sqe->Addr = userData;
        sqe->UserData = 0;
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
            // SQ full: hand the batch to the kernel without waiting, then take the freed slot.
            int result = _ring.SubmitAndWait(wait: false, -1);
            if (result == -Interop.Errno.EBUSY || result == -Interop.Errno.EAGAIN)
            {
                Reap();
            }

            sqe = _ring.TryGetSqe();
        }

        return sqe;
    }

    public override void Dispose()
    {
        // Closing the ring cancels whatever is still in flight; the wake read's buffer stays valid until then.
        _ring.Dispose();
        _wakeFd.Dispose();
        _wakeOperation.Release();
    }

    /// <summary>Keeps an 8-byte read armed on the wake eventfd, so a write to it ends a blocking wait.</summary>
    private sealed class WakeOperation : IoOperation
    {
        private readonly IoUringBackend _backend;
        private readonly ulong* _buffer;

        public WakeOperation(IoUringBackend backend, int fd)
        {
            _backend = backend;
            _buffer = (ulong*)NativeMemory.Alloc(sizeof(ulong));
            Kind = IoOperationKind.Read;
            Fd = fd;
            Address = (nint)_buffer;
            Length = sizeof(ulong);
        }

        public override void OnCompleted(int result) => _backend.Submit(this);

        public void Release()
        {
            NativeMemory.Free(_buffer);
            Dispose();
        }
    }
}
