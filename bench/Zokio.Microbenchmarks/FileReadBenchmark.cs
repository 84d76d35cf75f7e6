using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using Zokio.Runtime.Files;
using Zokio.Runtime.Loops;

namespace Zokio.Microbenchmarks;

/// <summary>
/// Reading a cached file: <see cref="ZokioFile.ReadAsync"/> against <see cref="RandomAccess.ReadAsync(SafeFileHandle, Memory{byte}, long, CancellationToken)"/>
/// (a blocking pread on the thread pool), 4 KiB and 1 MiB at a time.
/// </summary>
/// <remarks>
/// Each invocation reads <see cref="Reads"/> times back to back, each awaited before the next. <c>ZokioFileOnLoop</c>
/// awaits on the loop thread, where ZokioFile is meant to be used (a handler or spawned work): a cached read is one
/// preadv2(RWF_NOWAIT) there. <c>ZokioFileOnLoopThroughRing</c> is the same with the page-cache attempt switched off, so
/// every call takes the path of a read that misses the cache: with io_uring a READ SQE, with epoll a pread on the thread
/// pool completed back on the loop. <c>ZokioFileFromThreadPool</c> awaits on the thread pool (a cached read is served
/// there; a miss would hop to the loop and back).
/// </remarks>
[MemoryDiagnoser]
public class FileReadBenchmark
{
    private const int Reads = 100;

    private string _path = null!;
    private SafeFileHandle _handle = null!;
    private EventLoopGroup _group = null!;
    private ZokioFile _file = null!;
    private ZokioFile _ringFile = null!;
    private byte[] _buffer = null!;

    [Params(4096, 1 << 20)]
    public int Size { get; set; }

    [Params(LoopBackendKind.IoUring, LoopBackendKind.Epoll)]
    public LoopBackendKind Backend { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"zokio-read-{Environment.ProcessId}.bin");
        byte[] content = new byte[1 << 20];
        Random.Shared.NextBytes(content);
        File.WriteAllBytes(_path, content);
        // Read once so every measured read is served from the page cache.
        _ = File.ReadAllBytes(_path);
        _buffer = new byte[Size];
        _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        _group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = Backend });
        _file = ZokioFile.OpenAsync(_path, FileMode.Open, FileAccess.Read, _group.Loops[0]).GetAwaiter().GetResult();
        _ringFile = ZokioFile.OpenAsync(_path, FileMode.Open, FileAccess.Read, _group.Loops[0]).GetAwaiter().GetResult();
        _ringFile.ReadsWithoutWaiting = false;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _file.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _ringFile.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _group.Dispose();
        _handle.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Reads)]
    public async Task RandomAccessRead()
    {
        for (int i = 0; i < Reads; i++)
        {
            await RandomAccess.ReadAsync(_handle, _buffer, 0);
        }
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public Task ZokioFileOnLoop() => _group.Loops[0].Spawn(async () =>
    {
        for (int i = 0; i < Reads; i++)
        {
            await _file.ReadAsync(_buffer, 0);
        }
    });

    [Benchmark(OperationsPerInvoke = Reads)]
    public Task ZokioFileOnLoopThroughRing() => _group.Loops[0].Spawn(async () =>
    {
        for (int i = 0; i < Reads; i++)
        {
            await _ringFile.ReadAsync(_buffer, 0);
        }
    });

    [Benchmark(OperationsPerInvoke = Reads)]
    public async Task ZokioFileFromThreadPool()
    {
        for (int i = 0; i < Reads; i++)
        {
            await _file.ReadAsync(_buffer, 0).ConfigureAwait(false);
        }
    }
}
