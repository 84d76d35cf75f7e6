using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>fsync(2) (FSYNC): a full sync, what <see cref="FileStream.Flush(bool)"/> with <c>flushToDisk: true</c> does.</summary>
internal sealed unsafe class FsyncOperation(EventLoop loop) : FileOperation(loop)
{
    public override byte Opcode => OpFsync;

    /// <summary>Syncs <paramref name="fd"/>; any thread.</summary>
    public ValueTask<IoResult> FsyncAsync(int fd)
    {
        Fd = fd;
        return StartAsync();
    }

    // fsync_flags 0: not IORING_FSYNC_DATASYNC.
    public override void PrepareSqe(IoUringSqe* sqe) => sqe->Opcode = OpFsync;

    protected override nint CallBlocking() => Interop.Sys.FSync(Fd);
}
