using System.Buffers;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Io.Operations;

/// <summary>A socket call on one buffer (recv, send), pinned from submission until the completion.</summary>
internal abstract unsafe class SocketBufferOperation : IoOperation
{
    private MemoryHandle _pin;

    /// <summary>The pinned buffer while the operation is in flight.</summary>
    protected byte* Buffer => (byte*)_pin.Pointer;

    /// <summary>Its length in bytes.</summary>
    protected int Length { get; private set; }

    /// <summary>Pins <paramref name="buffer"/> and submits; on the loop thread.</summary>
    protected ValueTask<IoResult> SubmitAsync(ReadOnlyMemory<byte> buffer, LoopBackend backend)
    {
        _pin = buffer.Pin();
        Length = buffer.Length;
        return SubmitAsync(backend);
    }

    public override void Complete(IoResult result)
    {
        _pin.Dispose();
        _pin = default;
        base.Complete(result);
    }
}
