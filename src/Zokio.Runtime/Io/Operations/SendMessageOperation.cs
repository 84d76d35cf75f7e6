using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>sendmsg(2) of a prepared msghdr (its iovecs point to pinned segments): the bytes sent.</summary>
internal sealed unsafe class SendMessageOperation : IoOperation
{
    private NativeSocketBuffers? _buffers;

    public override byte Opcode => OpSendMsg;

    public override EpollWait EpollWait => EpollWait.Writable;

    /// <summary>Sends what <paramref name="buffers"/> describes (prepared, and kept by the caller until completion); on the loop thread.</summary>
    public ValueTask<IoResult> SendAsync(NativeSocketBuffers buffers, LoopBackend backend)
    {
        _buffers = buffers;
        return SubmitAsync(backend);
    }

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        // No MSG_WAITALL: each completion is one sendmsg's result, so a send canceled in a hand-off's drain sent
        // nothing and can be submitted again as it is (with WAITALL the kernel may drop the partial count).
        sqe->Opcode = OpSendMsg;
        sqe->Addr = (ulong)_buffers!.MessageAddress;
        sqe->Len = 1;
        sqe->OpFlags = Interop.Sys.MSG_NOSIGNAL;
    }

    public override IoResult ExecuteSyscall() =>
        IoResult.FromSyscall(Interop.Sys.SendMsg(Fd, (Interop.MsgHdr*)_buffers!.MessageAddress, Interop.Sys.MSG_DONTWAIT | Interop.Sys.MSG_NOSIGNAL));

    public override void Complete(IoResult result)
    {
        _buffers = null;
        base.Complete(result);
    }
}
