using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Zokio.Runtime.Memory;

/// <summary>
/// A pool of pinned, fixed-size blocks carved from slabs on the pinned object heap, so the kernel can read and write
/// them while an operation is in flight without any per-operation pinning.
/// </summary>
/// <remarks>
/// One pool per loop. Blocks may be returned from any thread: the free list is a lock-free queue and the counters are
/// updated with <see cref="Interlocked"/>, so the owning loop never takes a lock.
/// </remarks>
public sealed class SlabMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of every block.</summary>
    public const int BlockSize = 4096;

    private const int BlocksPerSlab = 32;

    private readonly ConcurrentQueue<SlabBlock> _free = new();
    private readonly ConcurrentDictionary<SlabBlock, StackTrace>? _outstanding;
    private readonly Lock _growLock = new();
    private long _rented;
    private long _returned;
    private long _slabBytes;
    private volatile bool _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="trackLeaks">Record the renter's stack for every outstanding block (slow; for debugging).</param>
    public SlabMemoryPool(bool trackLeaks = false)
    {
        if (trackLeaks)
        {
            _outstanding = new ConcurrentDictionary<SlabBlock, StackTrace>(ReferenceEqualityComparer.Instance);
        }
    }

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks handed out since the pool was made.</summary>
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Blocks given back since the pool was made.</summary>
    public long Returned => Interlocked.Read(ref _returned);

    /// <summary>Blocks handed out and not yet given back.</summary>
    public long Outstanding => Rented - Returned;

    /// <summary>Bytes of pinned slabs the pool holds.</summary>
    public long SlabBytes => Interlocked.Read(ref _slabBytes);

    /// <summary>Whether <see cref="MemoryPool{T}.Dispose()"/> has run.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Rents a block of <see cref="BlockSize"/> bytes.</summary>
    /// <param name="minBufferSize">At most <see cref="BlockSize"/>; -1 means any size.</param>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"The pool's blocks are {BlockSize} bytes; {minBufferSize} were asked for. Ask for at most {BlockSize} (PipeOptions do this by reading MaxBufferSize).");
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_free.TryDequeue(out SlabBlock? block))
        {
            block = Grow();
        }

        block.MarkRented();
        Interlocked.Increment(ref _rented);
        _outstanding?.TryAdd(block, new StackTrace(1, fNeedFileInfo: true));
        return block;
    }

    internal void Return(SlabBlock block)
    {
        Interlocked.Increment(ref _returned);
        _outstanding?.TryRemove(block, out _);
        if (!_disposed)
        {
            _free.Enqueue(block);
        }
    }

    /// <summary>The stacks that rented each block still outstanding (empty unless leak tracking is on).</summary>
    public IReadOnlyList<string> GetLeakReport() =>
        _outstanding is null ? [] : [.. _outstanding.Values.Select(stack => stack.ToString())];

    private SlabBlock Grow()
    {
        lock (_growLock)
        {
            if (_free.TryDequeue(out SlabBlock? block))
            {
                return block;
            }

            // One pinned array per slab: pinned-heap arrays never move, and 32 blocks per allocation keep that heap coarse.
            byte[] slab = GC.AllocateUninitializedArray<byte>(BlockSize * BlocksPerSlab, pinned: true);
            Interlocked.Add(ref _slabBytes, slab.Length);
            for (int i = 1; i < BlocksPerSlab; i++)
            {
                _free.Enqueue(new SlabBlock(this, slab, i * BlockSize));
            }

            return new SlabBlock(this, slab, 0);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }
}
