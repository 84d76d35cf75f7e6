using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Zokio.Runtime.Memory;

namespace Zokio.Microbenchmarks;

/// <summary>
/// Renting and returning one 4 KiB buffer: Zokio's <see cref="SlabMemoryPool"/> against
/// <see cref="ArrayPool{T}.Shared"/>, <see cref="MemoryPool{T}.Shared"/> and Kestrel's pinned block pool (what
/// <see cref="IMemoryPoolFactory{T}"/> creates in a Kestrel app).
/// </summary>
[MemoryDiagnoser]
public class MemoryPoolBenchmark
{
    private const int BlockSize = 4096;

    private SlabMemoryPool _slabPool = null!;
    private WebApplication _kestrelApp = null!;
    private MemoryPool<byte> _kestrelPool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _slabPool = new SlabMemoryPool();
        // Kestrel registers its pool factory with its other services; the slim builder is the least that does.
        _kestrelApp = WebApplication.CreateSlimBuilder().Build();
        _kestrelPool = _kestrelApp.Services.GetRequiredService<IMemoryPoolFactory<byte>>().Create();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _slabPool.Dispose();
        _kestrelPool.Dispose();
        ((IDisposable)_kestrelApp).Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ArrayPoolShared()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    [Benchmark]
    public void MemoryPoolShared() => MemoryPool<byte>.Shared.Rent(BlockSize).Dispose();

    [Benchmark]
    public void KestrelPool() => _kestrelPool.Rent(BlockSize).Dispose();

    [Benchmark]
    public void SlabPool() => _slabPool.Rent(BlockSize).Dispose();
}
