using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>pwrite(2) (WRITE): bytes written.</summary>
internal sealed unsafe class WriteOperation(EventLoop loop) : FileTransferOperation(loop)
{
    public override byte Opcode => OpWrite;

    /// <summary>Writes <paramref name="buffer"/> to <paramref name="fd"/> at <paramref name="offset"/>; any thread.</summary>
    public ValueTask<IoResult> WriteAsync(int fd, ReadOnlyMemory<byte> buffer, long offset) => TransferAsync(fd, buffer, offset);

    protected override nint Transfer(int fd, void* buffer, nuint length, long offset) => Interop.Sys.PWrite(fd, buffer, length, offset);
}
