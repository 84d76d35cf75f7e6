using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>close(2) (CLOSE): 0, or the error; the fd is released either way.</summary>
internal sealed unsafe class CloseOperation(EventLoop loop) : FileOperation(loop)
{
    public override byte Opcode => OpClose;

    public override bool ClosesFd => true;

    /// <summary>Closes <paramref name="fd"/>; any thread.</summary>
    public ValueTask<IoResult> CloseAsync(int fd)
    {
        Fd = fd;
        return StartAsync();
    }

    // The kernel closes the fd once requests already using it have their reference (io_uring_prep_close(3)).
    public override void PrepareSqe(IoUringSqe* sqe) => sqe->Opcode = OpClose;

    // Never retried on EINTR: on Linux the fd is released even then, and its number may already be reused.
    protected override bool RetriesWhenInterrupted => false;

    protected override nint CallBlocking() => Interop.Sys.Close(Fd);

    /// <summary>A stopped loop still closes the fd, so nothing leaks.</summary>
    public override IoResult ExecuteOnStoppedLoop()
    {
        Interop.Sys.Close(Fd);
        return IoResult.Success(0);
    }
}
