using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>send(2) (SEND) of one buffer: the bytes sent. Without SIGPIPE (MSG_NOSIGNAL): a closed peer is EPIPE.</summary>
internal sealed unsafe class SendOperation : SocketBufferOperation
{
    public override byte Opcode => OpSend;

    public override EpollWait EpollWait => EpollWait.Writable;

    /// <summary>Sends <paramref name="buffer"/>; on the loop thread.</summary>
    public ValueTask<IoResult> SendAsync(ReadOnlyMemory<byte> buffer, LoopBackend backend) => SubmitAsync(buffer, backend);

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        sqe->Opcode = OpSend;
        sqe->Addr = (ulong)Buffer;
        sqe->Len = (uint)Length;
        sqe->OpFlags = Interop.Sys.MSG_NOSIGNAL;
    }

    public override IoResult ExecuteSyscall() =>
        IoResult.FromSyscall(Interop.Sys.Send(Fd, Buffer, (nuint)Length, Interop.Sys.MSG_DONTWAIT | Interop.Sys.MSG_NOSIGNAL));
}
