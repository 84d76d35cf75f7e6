using System.Runtime.CompilerServices;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>
/// One io_uring instance: the mmap'd submission and completion queues of a single owner thread.
/// </summary>
/// <remarks>
/// Memory ordering follows io_uring(7): the kernel reads the SQ tail and writes the SQ head, writes the CQ tail
/// and reads the CQ head, so the side that publishes uses a release store and the side that consumes an acquire load.
/// </remarks>
internal sealed unsafe class Ring : IDisposable
{
    private readonly int _fd;
    private readonly uint _setupFlags;
    private readonly uint _features;

    private readonly void* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly void* _cqRing;
    private readonly nuint _cqRingSize;
    private readonly IoUringSqe* _sqes;
    private readonly nuint _sqesSize;

    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqFlags;
    private readonly uint _sqMask;
    private readonly uint _sqEntries;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly IoUringCqe* _cqes;

    // SQEs prepared but not yet published to the kernel (local tail), and the tail last published.
    private uint _sqeTail;
    private uint _sqePublished;
    private bool _disposed;

    private Ring(int fd, in IoUringParams p, uint setupFlags)
    {
        _fd = fd;
        _setupFlags = setupFlags;
        _features = p.Features;
        _sqEntries = p.SqEntries;

        _sqRingSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqOff.Cqes + p.CqEntries * (uint)sizeof(IoUringCqe);
        bool singleMmap = (p.Features & FeatSingleMmap) != 0;
        if (singleMmap)
        {
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        }

        try
        {
            _sqRing = MapOrThrow(fd, _sqRingSize, OffSqRing);
            _cqRing = singleMmap ? _sqRing : MapOrThrow(fd, _cqRingSize, OffCqRing);
            _sqesSize = p.SqEntries * (nuint)sizeof(IoUringSqe);
            _sqes = (IoUringSqe*)MapOrThrow(fd, _sqesSize, OffSqes);
        }
        catch
        {
            Unmap();
            throw;
        }

        byte* sq = (byte*)_sqRing;
        _sqHead = (uint*)(sq + p.SqOff.Head);
        _sqTail = (uint*)(sq + p.SqOff.Tail);
        _sqFlags = (uint*)(sq + p.SqOff.Flags);
        _sqMask = *(uint*)(sq + p.SqOff.RingMask);
        uint* array = (uint*)(sq + p.SqOff.Array);
        // SQEs are always published in ring order, so the indirection array is the identity, set once (as liburing does).
        for (uint i = 0; i < p.SqEntries; i++)
        {
            array[i] = i;
        }

        byte* cq = (byte*)_cqRing;
        _cqHead = (uint*)(cq + p.CqOff.Head);
        _cqTail = (uint*)(cq + p.CqOff.Tail);
        _cqMask = *(uint*)(cq + p.CqOff.RingMask);
        _cqes = (IoUringCqe*)(cq + p.CqOff.Cqes);

        _sqeTail = _sqePublished = Volatile.Read(ref *_sqTail);
    }

    /// <summary>The ring's fd, for <c>IORING_OP_MSG_RING</c> targets.</summary>
    public int Fd => _fd;

    /// <summary>Setup flags the kernel accepted.</summary>
    public uint SetupFlags => _setupFlags;

    /// <summary>Feature bits the kernel reported.</summary>
    public uint Features => _features;

    public uint SqEntries => _sqEntries;

    /// <summary>io_uring_enter calls made, for metrics.</summary>
    public long Enters { get; private set; }

    /// <summary>SQEs the kernel consumed, for metrics.</summary>
    public long Submitted { get; private set; }

    /// <summary>
    /// Creates a ring, dropping optional setup flags the running kernel rejects (EINVAL) one at a time, newest first.
    /// </summary>
    /// <returns>The ring, or null with <paramref name="errno"/> set when io_uring itself is unavailable.</returns>
    public static Ring? TryCreate(uint entries, uint cqEntries, uint wantedFlags, out int errno)
    {
        // Order matters: DEFER_TASKRUN needs SINGLE_ISSUER (6.1), COOP_TASKRUN is 5.19, SUBMIT_ALL 5.18, CQSIZE 5.5.
        uint[] optional = [SetupDeferTaskrun, SetupSingleIssuer, SetupCoopTaskrun | SetupTaskrunFlag, SetupSubmitAll];
        uint flags = wantedFlags | SetupCqSize | SetupClamp;
        int dropped = 0;
        while (true)
        {
            IoUringParams p = default;
            p.Flags = flags;
            p.CqEntries = cqEntries;
            int fd = Interop.Sys.IoUringSetup(entries, &p);
            if (fd >= 0)
            {
                errno = 0;
                try
                {
                    return new Ring(fd, p, flags);
                }
                catch
                {
                    Interop.Sys.Close(fd);
                    throw;
                }
            }

            errno = -fd;
            if (errno != Interop.Errno.EINVAL || dropped == optional.Length)
            {
                return null;
            }

            flags &= ~optional[dropped++];
        }
    }

    /// <summary>
    /// Returns the next free SQE, zeroed, or null when the SQ is full (the caller submits and retries).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IoUringSqe* TryGetSqe()
    {
        uint head = Volatile.Read(ref *_sqHead);
        if (_sqeTail - head >= _sqEntries)
        {
            return null;
        }

        IoUringSqe* sqe = &_sqes[_sqeTail & _sqMask];
        _sqeTail++;
        *sqe = default;
        return sqe;
    }

    /// <summary>
    /// Publishes prepared SQEs and enters the kernel once: submits them and, when <paramref name="wait"/> is set,
    /// waits for at least one completion or the timeout.
    /// </summary>
    /// <returns>SQEs consumed, or -errno (ETIME when the wait timed out, EINTR when a signal arrived).</returns>
    public int SubmitAndWait(bool wait, long timeoutNanoseconds)
    {
        uint toSubmit = Publish();
        uint flags = 0;
        uint minComplete = 0;
        bool deferred = (_setupFlags & SetupDeferTaskrun) != 0;
        bool overflowing = (Volatile.Read(ref *_sqFlags) & (SqCqOverflow | SqTaskrun)) != 0;
        if (wait)
        {
            flags |= EnterGetEvents;
            minComplete = 1;
        }
        else if (toSubmit == 0 && !overflowing && (!deferred || (_setupFlags & SetupTaskrunFlag) != 0))
        {
            // Nothing to submit and nothing to reap: with TASKRUN_FLAG the kernel raises IORING_SQ_TASKRUN whenever
            // deferred completions wait to be posted (io_uring_setup(2)), so a clear flag means a syscall would find none.
            return 0;
        }
        else if (deferred || overflowing)
        {
            // With DEFER_TASKRUN completions are only posted inside io_uring_enter with GETEVENTS (io_uring_setup(2));
            // with an overflowed CQ, GETEVENTS flushes the kernel's backlog into the ring (FEAT_NODROP).
            flags |= EnterGetEvents;
        }

        int result;
        if (wait && timeoutNanoseconds >= 0 && (_features & FeatExtArg) != 0)
        {
            KernelTimespec ts = new() { Seconds = timeoutNanoseconds / 1_000_000_000, Nanoseconds = timeoutNanoseconds % 1_000_000_000 };
            IoUringGetEventsArg arg = new() { Ts = (ulong)&ts };
            result = Interop.Sys.IoUringEnter(_fd, toSubmit, minComplete, flags | EnterExtArg, &arg, (nuint)sizeof(IoUringGetEventsArg));
        }
        else
        {
            result = Interop.Sys.IoUringEnter(_fd, toSubmit, minComplete, flags, null, 0);
        }

        return Entered(result);
    }

    /// <summary>
    /// Submits the queued SQEs without waiting for or reaping completions (no GETEVENTS): the number submitted, 0 with
    /// none queued (no syscall), or -errno. Requests the kernel completes at submission post their CQEs right away,
    /// DEFER_TASKRUN or not; the next <see cref="SubmitAndWait"/> reaps them.
    /// </summary>
    public int Submit()
    {
        uint toSubmit = Publish();
        return toSubmit == 0 ? 0 : Entered(Interop.Sys.IoUringEnter(_fd, toSubmit, 0, 0, null, 0));
    }

    /// <summary>Counts an io_uring_enter and what it submitted; returns its result.</summary>
    private int Entered(int result)
    {
        Enters++;
        if (result >= 0)
        {
            _sqePublished += (uint)result;
            Submitted += result;
        }
        else
        {
            // The kernel consumed what it could before failing; resync with its head so nothing is submitted twice.
            _sqePublished = Volatile.Read(ref *_sqHead);
        }

        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Publish()
    {
        uint published = Volatile.Read(ref *_sqTail);
        if (published != _sqeTail)
        {
            Volatile.Write(ref *_sqTail, _sqeTail);
        }

        return _sqeTail - _sqePublished;
    }

    /// <summary>Takes the next completion, if any. Call <see cref="AdvanceCompletions"/> once done with a batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPeekCompletion(uint offset, out IoUringCqe cqe)
    {
        uint head = *_cqHead + offset;
        uint tail = Volatile.Read(ref *_cqTail);
        if (head == tail)
        {
            cqe = default;
            return false;
        }

        cqe = _cqes[head & _cqMask];
        return true;
    }

    /// <summary>Releases <paramref name="count"/> consumed CQEs back to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AdvanceCompletions(uint count)
    {
        if (count != 0)
        {
            Volatile.Write(ref *_cqHead, *_cqHead + count);
        }
    }

    /// <summary>
    /// Submits one NOP and waits for its completion, on a ring nothing else has used yet.
    /// </summary>
    /// <returns>0, or the errno of <c>io_uring_enter</c> (EPERM where a seccomp profile denies it).</returns>
    public int RoundTripNop()
    {
        IoUringSqe* sqe = TryGetSqe();
        sqe->Opcode = OpNop;
        int result;
        do
        {
            result = SubmitAndWait(wait: true, timeoutNanoseconds: 1_000_000_000);
        }
        while (result == -Interop.Errno.EINTR);

        if (result < 0)
        {
            return -result;
        }

        if (!TryPeekCompletion(0, out _))
        {
            return Interop.Errno.ETIME;
        }

        AdvanceCompletions(1);
        return 0;
    }

    /// <summary>Asks the kernel which opcodes it supports (<c>IORING_REGISTER_PROBE</c>, 5.6).</summary>
    /// <returns>Support by opcode, or null with <paramref name="errno"/> set when <c>io_uring_register</c> fails.</returns>
    public bool[]? ProbeOpcodes(out int errno)
    {
        const int MaxOps = 256;
        int size = sizeof(IoUringProbeHeader) + MaxOps * sizeof(IoUringProbeOp);
        byte* buffer = stackalloc byte[size];
        new Span<byte>(buffer, size).Clear();
        int result = Interop.Sys.IoUringRegister(_fd, RegisterProbe, buffer, MaxOps);
        if (result < 0)
        {
            errno = -result;
            return null;
        }

        errno = 0;
        IoUringProbeHeader* header = (IoUringProbeHeader*)buffer;
        IoUringProbeOp* ops = (IoUringProbeOp*)(buffer + sizeof(IoUringProbeHeader));
        bool[] supported = new bool[MaxOps];
        for (int i = 0; i < header->OpsLen; i++)
        {
            supported[ops[i].Op] = (ops[i].Flags & ProbeOpSupported) != 0;
        }

        return supported;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Unmap();
        Interop.Sys.Close(_fd);
    }

    private void Unmap()
    {
        if (_sqes != null)
        {
            Interop.Sys.Munmap(_sqes, _sqesSize);
        }

        if (_cqRing != null && _cqRing != _sqRing)
        {
            Interop.Sys.Munmap(_cqRing, _cqRingSize);
        }

        if (_sqRing != null)
        {
            Interop.Sys.Munmap(_sqRing, _sqRingSize);
        }
    }

    private static void* MapOrThrow(int fd, nuint size, long offset)
    {
        void* p = Interop.Sys.Mmap(null, size, Interop.Sys.PROT_READ | Interop.Sys.PROT_WRITE, Interop.Sys.MAP_SHARED | Interop.Sys.MAP_POPULATE, fd, offset);
        if (p == Interop.Sys.MAP_FAILED)
        {
            throw new InvalidOperationException($"mmap of the io_uring region at offset 0x{offset:x} failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}.");
        }

        return p;
    }
}
