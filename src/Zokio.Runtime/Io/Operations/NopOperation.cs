using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>Does nothing and completes with 0: a ring round trip, for tests and probes.</summary>
internal sealed unsafe class NopOperation : IoOperation
{
    public override byte Opcode => OpNop;

    public override EpollWait EpollWait => EpollWait.None;

    public override void PrepareSqe(IoUringSqe* sqe) => sqe->Opcode = OpNop;

    public override IoResult ExecuteSyscall() => IoResult.Success(0);
}
