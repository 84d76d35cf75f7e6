using System.Buffers;
using System.Runtime.InteropServices;

namespace Zokio.Runtime.Memory;

/// <summary>One block of a <see cref="SlabMemoryPool"/>: a window on a pinned slab, returned to the pool on dispose.</summary>
internal sealed class SlabBlock : MemoryManager<byte>
{
    private readonly SlabMemoryPool _pool;
    private readonly byte[] _slab;
    private readonly int _offset;
    private int _rented;

    public SlabBlock(SlabMemoryPool pool, byte[] slab, int offset)
    {
        _pool = pool;
        _slab = slab;
        _offset = offset;
    }

    public override Memory<byte> Memory => CreateMemory(SlabMemoryPool.BlockSize);

    public void MarkRented() => Volatile.Write(ref _rented, 1);

    public override Span<byte> GetSpan() => new(_slab, _offset, SlabMemoryPool.BlockSize);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, SlabMemoryPool.BlockSize);
        // The slab lives on the pinned object heap: its address is stable without a GCHandle.
        return new MemoryHandle((byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_slab, _offset + elementIndex));
    }

    public override void Unpin()
    {
    }

    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(_slab, _offset, SlabMemoryPool.BlockSize);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _rented, 0) == 0)
        {
            throw new InvalidOperationException("A Zokio memory block was returned twice; the second owner would have corrupted the first one's data.");
        }

        _pool.Return(this);
    }
}
