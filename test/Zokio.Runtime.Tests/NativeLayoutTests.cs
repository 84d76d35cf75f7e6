using System.Runtime.InteropServices;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Tests;

/// <summary>Kernel structs as each architecture lays them out, checked without needing the other architecture's hardware.</summary>
public unsafe class NativeLayoutTests
{
    [Fact]
    public void Epoll_event_is_packed_on_x64_and_naturally_aligned_on_arm64()
    {
        // x86-64: __attribute__((packed)), 12 bytes, data right after the 4-byte mask.
        Assert.Equal(12, sizeof(Interop.EpollEventPacked));
        Assert.Equal(4, (int)Marshal.OffsetOf<Interop.EpollEventPacked>(nameof(Interop.EpollEventPacked.Data)));
        // arm64 (and every other 64-bit architecture): the 64-bit data aligned to 8, 16 bytes.
        Assert.Equal(16, sizeof(Interop.EpollEventNatural));
        Assert.Equal(8, (int)Marshal.OffsetOf<Interop.EpollEventNatural>(nameof(Interop.EpollEventNatural.Data)));

        Assert.Equal(RuntimeInformation.ProcessArchitecture == Architecture.X64, Interop.EpollEvents.IsPacked);
        Assert.Equal(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16, Interop.EpollEvents.Size);
    }

    [Theory]
    [InlineData(true, 12, 4)]
    [InlineData(false, 16, 8)]
    public void Epoll_event_arrays_put_each_field_where_the_kernel_reads_it(bool packed, int size, int dataOffset)
    {
        byte* events = stackalloc byte[3 * 16];
        new Span<byte>(events, 3 * 16).Clear();
        for (int i = 0; i < 3; i++)
        {
            Interop.EpollEvents.Write(events, i, 0x80000001u + (uint)i, 0x1122334455667700UL + (ulong)i, packed);
        }

        Assert.Equal(size, Interop.EpollEvents.SizeOf(packed));
        for (int i = 0; i < 3; i++)
        {
            // The kernel's view: mask at the start of each element, data at the architecture's offset.
            Assert.Equal(0x80000001u + (uint)i, *(uint*)(events + (i * size)));
            Assert.Equal(0x1122334455667700UL + (ulong)i, *(ulong*)(events + (i * size) + dataOffset));
            Interop.EpollEvents.Read(events, i, out uint mask, out ulong data, packed);
            Assert.Equal((0x80000001u + (uint)i, 0x1122334455667700UL + (ulong)i), (mask, data));
        }
    }

    [Fact]
    public void Architecture_independent_kernel_structs_have_their_uapi_sizes()
    {
        // The same on x86-64 and arm64: fixed-width fields only (io_uring.h, stat.h) or LP64 (socket.h).
        Assert.Equal(64, sizeof(IoUringSqe));
        Assert.Equal(16, sizeof(IoUringCqe));
        Assert.Equal(120, sizeof(IoUringParams));
        Assert.Equal(256, sizeof(Interop.StatX));
        Assert.Equal(28, (int)Marshal.OffsetOf<Interop.StatX>(nameof(Interop.StatX.Mode)));
        Assert.Equal(40, (int)Marshal.OffsetOf<Interop.StatX>(nameof(Interop.StatX.Size)));
        Assert.Equal(56, sizeof(Interop.MsgHdr));
    }
}
