using System.Buffers;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Io.Operations;

/// <summary>pread(2) or pwrite(2) at an offset, with the buffer pinned from <see cref="Prepare"/> until the completion.</summary>
internal abstract unsafe class FileTransferOperation(EventLoop loop) : FileOperation(loop)
{
    private MemoryHandle _pin;
    private int _length;
    private long _offset;

    /// <summary>Sets the arguments, for a caller that submits to a backend itself (<see cref="IoOperation.SubmitAsync"/>).</summary>
    public void Prepare(int fd, ReadOnlyMemory<byte> buffer, long offset)
    {
        Fd = fd;
        _pin = buffer.Pin();
        _length = Math.Min(buffer.Length, MaxTransfer);
        _offset = offset;
    }

    /// <summary>Transfers between <paramref name="fd"/> at <paramref name="offset"/> and <paramref name="buffer"/>; any thread.</summary>
    protected ValueTask<IoResult> TransferAsync(int fd, ReadOnlyMemory<byte> buffer, long offset)
    {
        Prepare(fd, buffer, offset);
        return StartAsync();
    }

    /// <summary>The blocking syscall: pread(2) or pwrite(2).</summary>
    protected abstract nint Transfer(int fd, void* buffer, nuint length, long offset);

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        sqe->Opcode = Opcode;
        sqe->Addr = (ulong)_pin.Pointer;
        sqe->Len = (uint)_length;
        sqe->Off = (ulong)_offset;
    }

    protected override nint CallBlocking() => Transfer(Fd, _pin.Pointer, (nuint)_length, _offset);

    public override void Complete(IoResult result)
    {
        _pin.Dispose();
        _pin = default;
        base.Complete(result);
    }
}
