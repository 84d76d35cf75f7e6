using System.Buffers;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Memory;

namespace Zokio.Runtime.Tests;

public class SlabMemoryPoolTests
{
    [Fact]
    public void Rented_blocks_are_counted_and_outstanding_returns_to_zero()
    {
        using SlabMemoryPool pool = new();
        IMemoryOwner<byte>[] owners = [.. Enumerable.Range(0, 100).Select(_ => pool.Rent())];
        Assert.Equal(100, pool.Outstanding);
        Assert.All(owners, o => Assert.Equal(SlabMemoryPool.BlockSize, o.Memory.Length));
        foreach (IMemoryOwner<byte> owner in owners)
        {
            owner.Dispose();
        }

        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(100, pool.Rented);
        Assert.Equal(100, pool.Returned);
    }

    [Fact]
    public void Blocks_do_not_overlap_and_are_reused()
    {
        using SlabMemoryPool pool = new();
        IMemoryOwner<byte> a = pool.Rent(), b = pool.Rent();
        a.Memory.Span.Fill(1);
        b.Memory.Span.Fill(2);
        Assert.All(a.Memory.ToArray(), x => Assert.Equal(1, x));
        long slabBytes = pool.SlabBytes;
        a.Dispose();
        b.Dispose();
        for (int i = 0; i < 1000; i++)
        {
            pool.Rent().Dispose();
        }

        Assert.Equal(slabBytes, pool.SlabBytes);
    }

    [Fact]
    public unsafe void Blocks_are_pinned_where_the_kernel_can_use_them()
    {
        using SlabMemoryPool pool = new();
        using IMemoryOwner<byte> owner = pool.Rent();
        using MemoryHandle handle = owner.Memory.Pin();
        owner.Memory.Span[0] = 42;
        Assert.Equal(42, *(byte*)handle.Pointer);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(42, *(byte*)owner.Memory.Pin().Pointer);
    }

    [Fact]
    public void Returning_a_block_twice_is_an_error_not_a_corruption()
    {
        using SlabMemoryPool pool = new();
        IMemoryOwner<byte> owner = pool.Rent();
        owner.Dispose();
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(owner.Dispose);
        Assert.Contains("returned twice", ex.Message);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Asking_for_more_than_a_block_names_the_limit()
    {
        using SlabMemoryPool pool = new();
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(SlabMemoryPool.BlockSize + 1));
        Assert.Contains("4096", ex.Message);
    }

    [Fact]
    public async Task Blocks_returned_from_other_threads_are_counted_exactly()
    {
        using SlabMemoryPool pool = new();
        IMemoryOwner<byte>[] owners = [.. Enumerable.Range(0, 10_000).Select(_ => pool.Rent())];
        await Parallel.ForEachAsync(owners, (o, _) => { o.Dispose(); return ValueTask.CompletedTask; });
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Leak_report_names_the_renter()
    {
        using SlabMemoryPool pool = new(trackLeaks: true);
        IMemoryOwner<byte> leaked = RentAndForget(pool);
        IReadOnlyList<string> report = pool.GetLeakReport();
        Assert.Single(report);
        Assert.Contains(nameof(RentAndForget), report[0]);
        leaked.Dispose();
        Assert.Empty(pool.GetLeakReport());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IMemoryOwner<byte> RentAndForget(SlabMemoryPool pool) => pool.Rent();

    [Fact]
    public void Rent_and_return_allocate_nothing_once_warm()
    {
        using SlabMemoryPool pool = new();
        pool.Rent().Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            pool.Rent().Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
