using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>recv(2) (RECV) into one buffer: bytes, 0 at end of stream.</summary>
internal sealed unsafe class ReceiveOperation : SocketBufferOperation
{
    public override byte Opcode => OpRecv;

    public override EpollWait EpollWait => EpollWait.Readable;

    /// <summary>Receives into <paramref name="buffer"/>; on the loop thread.</summary>
    public ValueTask<IoResult> ReceiveAsync(Memory<byte> buffer, LoopBackend backend) => SubmitAsync(buffer, backend);

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        sqe->Opcode = OpRecv;
        sqe->Addr = (ulong)Buffer;
        sqe->Len = (uint)Length;
    }

    public override IoResult ExecuteSyscall() =>
        IoResult.FromSyscall(Interop.Sys.Recv(Fd, Buffer, (nuint)Length, Interop.Sys.MSG_DONTWAIT));
}
