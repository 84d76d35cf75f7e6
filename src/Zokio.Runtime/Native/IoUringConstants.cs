namespace Zokio.Runtime.Native;

/// <summary>Constants from include/uapi/linux/io_uring.h.</summary>
internal static class IoUringConstants
{
    // io_uring_setup(2) flags.
    internal const uint SetupCqSize = 1u << 3;
    internal const uint SetupClamp = 1u << 4;
    internal const uint SetupSubmitAll = 1u << 7;
    internal const uint SetupCoopTaskrun = 1u << 8;
    internal const uint SetupTaskrunFlag = 1u << 9;
    internal const uint SetupSingleIssuer = 1u << 12;
    internal const uint SetupDeferTaskrun = 1u << 13;

    // io_uring_params.features.
    internal const uint FeatSingleMmap = 1u << 0;
    internal const uint FeatNoDrop = 1u << 1;
    internal const uint FeatExtArg = 1u << 8;

    // io_uring_enter(2) flags.
    internal const uint EnterGetEvents = 1u << 0;
    internal const uint EnterExtArg = 1u << 3;

    // io_uring_register(2) opcodes.
    internal const uint RegisterProbe = 8;
    internal const uint RegisterPbufRing = 22;
    internal const ushort ProbeOpSupported = 1;

    // io_uring_sqe.flags: pick the buffer from the provided buffer group in buf_group.
    internal const byte SqeBufferSelect = 1 << 5;

    // io_uring_sqe.ioprio of RECV: keep receiving into provided buffers, a completion per receive (6.0).
    internal const ushort RecvMultishot = 1 << 1;

    // io_uring_cqe.flags: the upper 16 bits are the provided buffer's id; more completions follow for this request.
    internal const uint CqeBuffer = 1u << 0;
    internal const uint CqeMore = 1u << 1;
    internal const int CqeBufferShift = 16;

    // SQ ring flags (sq_off.flags).
    internal const uint SqCqOverflow = 1u << 1;
    internal const uint SqTaskrun = 1u << 2;

    // mmap offsets.
    internal const long OffSqRing = 0;
    internal const long OffCqRing = 0x8000000;
    internal const long OffSqes = 0x10000000;

    // IORING_OP_ASYNC_CANCEL flags (5.19): every request matching, and match any request rather than by user_data.
    internal const uint AsyncCancelAll = 1u << 0;
    internal const uint AsyncCancelAny = 1u << 2;

    // Opcodes (enum io_uring_op).
    internal const byte OpNop = 0;
    internal const byte OpFsync = 3;
    internal const byte OpPollAdd = 6;
    internal const byte OpSendMsg = 9;
    internal const byte OpAsyncCancel = 14;
    internal const byte OpOpenAt = 18;
    internal const byte OpClose = 19;
    internal const byte OpStatx = 21;
    internal const byte OpRead = 22;
    internal const byte OpWrite = 23;
    internal const byte OpSend = 26;
    internal const byte OpRecv = 27;
}
