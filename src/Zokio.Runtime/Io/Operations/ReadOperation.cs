using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>pread(2) (READ): bytes read, 0 at or past the end of the file.</summary>
internal sealed unsafe class ReadOperation(EventLoop loop) : FileTransferOperation(loop)
{
    public override byte Opcode => OpRead;

    /// <summary>Reads from <paramref name="fd"/> at <paramref name="offset"/> into <paramref name="buffer"/>; any thread.</summary>
    public ValueTask<IoResult> ReadAsync(int fd, Memory<byte> buffer, long offset) => TransferAsync(fd, buffer, offset);

    protected override nint Transfer(int fd, void* buffer, nuint length, long offset) => Interop.Sys.PRead(fd, buffer, length, offset);
}
