using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

// Kernel ABI from include/uapi/linux/io_uring.h; field order and sizes must match it exactly.

/// <summary><c>struct io_sqring_offsets</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoSqRingOffsets
{
    internal uint Head;
    internal uint Tail;
    internal uint RingMask;
    internal uint RingEntries;
    internal uint Flags;
    internal uint Dropped;
    internal uint Array;
    internal uint Resv1;
    internal ulong UserAddr;
}

/// <summary><c>struct io_cqring_offsets</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoCqRingOffsets
{
    internal uint Head;
    internal uint Tail;
    internal uint RingMask;
    internal uint RingEntries;
    internal uint Overflow;
    internal uint Cqes;
    internal uint Flags;
    internal uint Resv1;
    internal ulong UserAddr;
}

/// <summary><c>struct io_uring_params</c> (120 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringParams
{
    internal uint SqEntries;
    internal uint CqEntries;
    internal uint Flags;
    internal uint SqThreadCpu;
    internal uint SqThreadIdle;
    internal uint Features;
    internal uint WqFd;
    internal fixed uint Resv[3];
    internal IoSqRingOffsets SqOff;
    internal IoCqRingOffsets CqOff;
}

/// <summary><c>struct io_uring_sqe</c> (64 bytes), with the unions Zokio uses named for their purpose.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct IoUringSqe
{
    [FieldOffset(0)] internal byte Opcode;
    [FieldOffset(1)] internal byte Flags;
    [FieldOffset(2)] internal ushort IoPrio;
    [FieldOffset(4)] internal int Fd;
    /// <summary><c>off</c> / <c>addr2</c>: file offset, or the pointer to accept's addrlen.</summary>
    [FieldOffset(8)] internal ulong Off;
    /// <summary><c>addr</c>: buffer, msghdr, sockaddr, or the target user_data of a cancel.</summary>
    [FieldOffset(16)] internal ulong Addr;
    [FieldOffset(24)] internal uint Len;
    /// <summary>The per-opcode flags union: <c>msg_flags</c>, <c>poll32_events</c>, <c>accept_flags</c>, <c>cancel_flags</c>, <c>timeout_flags</c>.</summary>
    [FieldOffset(28)] internal uint OpFlags;
    [FieldOffset(32)] internal ulong UserData;
    [FieldOffset(40)] internal ushort BufIndex;
    [FieldOffset(42)] internal ushort Personality;
    [FieldOffset(44)] internal int SpliceFdIn;
    [FieldOffset(48)] internal ulong Addr3;
    [FieldOffset(56)] internal ulong Pad2;
}

/// <summary><c>struct io_uring_cqe</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringCqe
{
    internal ulong UserData;
    internal int Res;
    internal uint Flags;
}

/// <summary><c>struct io_uring_getevents_arg</c>, passed with <c>IORING_ENTER_EXT_ARG</c> to wait with a timeout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringGetEventsArg
{
    internal ulong Sigmask;
    internal uint SigmaskSize;
    internal uint MinWaitUsec;
    internal ulong Ts;
}

/// <summary><c>struct __kernel_timespec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KernelTimespec
{
    internal long Seconds;
    internal long Nanoseconds;
}

/// <summary>Header of <c>struct io_uring_probe</c>, followed by <c>ops_len</c> <see cref="IoUringProbeOp"/>s.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringProbeHeader
{
    internal byte LastOp;
    internal byte OpsLen;
    internal ushort Resv;
    internal fixed uint Resv2[3];
}

/// <summary><c>struct io_uring_probe_op</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringProbeOp
{
    internal byte Op;
    internal byte Resv;
    internal ushort Flags;
    internal uint Resv2;
}

/// <summary><c>struct io_uring_buf</c> (16 bytes): one entry of a provided buffer ring. The ring's tail overlays the
/// <c>resv</c> field of entry 0.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringBuf
{
    internal ulong Addr;
    internal uint Len;
    internal ushort Bid;
    internal ushort Resv;
}

/// <summary><c>struct io_uring_buf_reg</c> (40 bytes), the argument of <c>IORING_REGISTER_PBUF_RING</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringBufReg
{
    internal ulong RingAddr;
    internal uint RingEntries;
    internal ushort Bgid;
    internal ushort Flags;
    internal fixed ulong Resv[3];
}
