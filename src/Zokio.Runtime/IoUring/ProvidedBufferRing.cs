using System.Runtime.InteropServices;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>
/// A ring's provided buffers (<c>IORING_REGISTER_PBUF_RING</c>, 5.19): a group of equal buffers the kernel picks from
/// for multishot receives, so a connection holds no receive buffer while it waits. The loop copies each completion's
/// bytes out at once and gives the buffer straight back, so every buffer is in the ring except during that copy.
/// </summary>
internal sealed unsafe class ProvidedBufferRing : IDisposable
{
    /// <summary>
    /// Size of each buffer, four blocks of the loop's memory pool: a completion per 4 KiB made an upload (1 MiB bodies,
    /// 64 connections) 0.91x of poll + recv, one per 16 KiB 0.97x (bench/results/multishot-receive-*.md).
    /// </summary>
    public const int BufferSize = 4 * Memory.SlabMemoryPool.BlockSize;

    /// <summary>The buffer group id multishot receives name in <c>buf_group</c>; one group per ring.</summary>
    public const ushort GroupId = 0;

    private const int PageSize = 4096;

    private readonly IoUringBuf* _entries;
    private readonly byte* _buffers;
    private readonly ushort _mask;
    private ushort _tail;

    private ProvidedBufferRing(IoUringBuf* entries, byte* buffers, ushort count)
    {
        _entries = entries;
        _buffers = buffers;
        _mask = (ushort)(count - 1);
        for (ushort bid = 0; bid < count; bid++)
        {
            Put(bid);
        }

        Publish();
    }

    /// <summary>
    /// Registers <paramref name="count"/> buffers (a power of two) with the ring <paramref name="ringFd"/>. Returns null
    /// and the errno when the kernel refuses (EINVAL before 5.19): receives then wait for readiness and recv directly.
    /// </summary>
    public static ProvidedBufferRing? TryRegister(int ringFd, int count, out int errno)
    {
        // The entries must be page-aligned: the kernel pins the pages they live in.
        nuint entriesSize = (nuint)(count * sizeof(IoUringBuf));
        IoUringBuf* entries = (IoUringBuf*)NativeMemory.AlignedAlloc(Math.Max(entriesSize, PageSize), PageSize);
        NativeMemory.Clear(entries, entriesSize);
        IoUringBufReg registration = new() { RingAddr = (ulong)entries, RingEntries = (uint)count, Bgid = GroupId };
        errno = -Interop.Sys.IoUringRegister(ringFd, RegisterPbufRing, &registration, 1);
        if (errno != 0)
        {
            NativeMemory.AlignedFree(entries);
            return null;
        }

        byte* buffers = (byte*)NativeMemory.AlignedAlloc((nuint)count * BufferSize, PageSize);
        return new ProvidedBufferRing(entries, buffers, (ushort)count);
    }

    /// <summary>How many buffers the ring has.</summary>
    public int Count => _mask + 1;

    /// <summary>The bytes a completion received into buffer <paramref name="bid"/>.</summary>
    public ReadOnlySpan<byte> Received(ushort bid, int length) => new(_buffers + (nint)bid * BufferSize, length);

    /// <summary>Gives buffer <paramref name="bid"/> back to the kernel, once its bytes are copied out.</summary>
    public void Recycle(ushort bid)
    {
        Put(bid);
        Publish();
    }

    private void Put(ushort bid)
    {
        IoUringBuf* entry = &_entries[_tail & _mask];
        entry->Addr = (ulong)(_buffers + (nint)bid * BufferSize);
        entry->Len = BufferSize;
        entry->Bid = bid;
        _tail++;
    }

    // The tail overlays entry 0's resv field; the kernel reads it with an acquire load, so publish with a release store.
    private void Publish() => Volatile.Write(ref _entries->Resv, _tail);

    /// <summary>Frees the memory; only after the ring itself is closed (which unregisters the group).</summary>
    public void Dispose()
    {
        NativeMemory.AlignedFree(_buffers);
        NativeMemory.AlignedFree(_entries);
    }
}
