using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Zokio.Runtime.Files;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public sealed class ZokioFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("zokio-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Every backend, with reads trying the page cache first (as files do) and with every read on the ring (or thread pool).</summary>
    public static TheoryData<LoopBackendKind, bool> BackendsAndReadPaths => Backends.With(true, false);

    [Theory, MemberData(nameof(BackendsAndReadPaths))]
    public async Task Writes_and_reads_at_offsets_with_short_reads_at_the_end_and_zero_past_it(LoopBackendKind backend, bool cacheFirst)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        string path = Path.Combine(_directory, "data.bin");

        // Called off the loop: every call that is not served from the page cache hops to it and back.
        await using (ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.CreateNew, FileAccess.ReadWrite, loop))
        {
            file.ReadsWithoutWaiting = cacheFirst;
            Assert.Equal(path, file.Path);
            Assert.Same(loop, file.Loop);
            await file.WriteAsync("hello"u8.ToArray(), 0);
            await file.WriteAsync("world"u8.ToArray(), 10);
            await file.FlushAsync();
            Assert.Equal(15, await file.GetLengthAsync());

            byte[] buffer = new byte[8];
            Assert.Equal(8, await file.ReadAsync(buffer, 2));
            Assert.Equal("llo\0\0\0\0\0"u8.ToArray(), buffer);
            Assert.Equal(5, await file.ReadAsync(buffer, 10));
            Assert.Equal("world"u8.ToArray(), buffer[..5]);
            Assert.Equal(0, await file.ReadAsync(buffer, 15));
            Assert.Equal(0, await file.ReadAsync(buffer, 1_000_000));
            Assert.Equal(0, await file.ReadAsync(Memory<byte>.Empty, 0));
            Assert.Equal(cacheFirst, file.ReadsWithoutWaiting);
        }

        Assert.Equal("hello\0\0\0\0\0world"u8.ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task On_the_loop_a_large_file_reads_back_exactly_and_awaits_stay_on_the_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, loops: 2);
        string path = Path.Combine(_directory, "large.bin");
        byte[] content = RandomNumberGenerator.GetBytes((1 << 20) + 17);
        await File.WriteAllBytesAsync(path, content);

        (byte[] read, bool stayedOnLoop) = await group.Spawn(async () =>
        {
            EventLoop? loop = EventLoop.Current;
            await using ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read);
            bool onLoop = file.Loop == loop && EventLoop.Current == loop;
            byte[] result = new byte[await file.GetLengthAsync()];
            int total = 0;
            while (total < result.Length)
            {
                // 64 KiB at a time, as a streaming reader would.
                int n = await file.ReadAsync(result.AsMemory(total, Math.Min(65536, result.Length - total)), total);
                Assert.True(n > 0);
                total += n;
                onLoop &= EventLoop.Current == loop;
            }

            return (result, onLoop);
        }).WaitAsync(Backends.Timeout);

        Assert.True(stayedOnLoop);
        Assert.Equal(content, read);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_call_awaited_off_the_loop_never_resumes_on_the_loop_thread(LoopBackendKind backend)
    {
        // The completion is dispatched on the loop; code that awaited elsewhere must not continue there.
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "off-loop.bin");
        await File.WriteAllBytesAsync(path, new byte[4096]);
        int onLoop = await Task.Run(async () =>
        {
            await using ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, group.Loops[0]);
            int count = EventLoop.Current is null ? 0 : 1;
            for (int i = 0; i < 50; i++)
            {
                await file.ReadAsync(new byte[4096], 0);
                count += EventLoop.Current is null ? 0 : 1;
                await file.GetLengthAsync();
                count += EventLoop.Current is null ? 0 : 1;
            }

            return count;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(0, onLoop);
    }

    [Theory, MemberData(nameof(BackendsAndReadPaths))]
    public async Task Concurrent_reads_from_many_threads_each_get_their_own_bytes(LoopBackendKind backend, bool cacheFirst)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "concurrent.bin");
        byte[] content = RandomNumberGenerator.GetBytes(64 * 1024);
        await File.WriteAllBytesAsync(path, content);
        await using ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, group.Loops[0]);
        file.ReadsWithoutWaiting = cacheFirst;

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            byte[] buffer = new byte[1024];
            for (int round = 0; round < 10; round++)
            {
                int offset = ((i * 7) + round) % 64 * 1024;
                Assert.Equal(1024, await file.ReadAsync(buffer, offset));
                Assert.Equal(content.AsSpan(offset, 1024).ToArray(), buffer);
            }
        }))).WaitAsync(Backends.Timeout);
    }

    [Theory, MemberData(nameof(BackendsAndReadPaths))]
    public async Task Cached_reads_make_no_ring_operation_and_the_others_are_ring_operations_on_io_uring_only(LoopBackendKind backend, bool cacheFirst)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        string path = Path.Combine(_directory, "ring.bin");
        // Just written, so its pages are dirty: they stay in the page cache at least until written back.
        await File.WriteAllBytesAsync(path, new byte[4096]);
        long before = await Backends.OnLoop(loop, () => Task.FromResult(loop.IoBackend.Submitted));
        await using (ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, loop))
        {
            file.ReadsWithoutWaiting = cacheFirst;
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(4096, await file.ReadAsync(new byte[4096], 0));
            }
        }

        long submitted = await Backends.OnLoop(loop, () => Task.FromResult(loop.IoBackend.Submitted)) - before;
        if (backend == LoopBackendKind.Epoll)
        {
            // Regular files cannot be waited on with epoll: the syscalls ran on the thread pool, not through the backend.
            Assert.Equal(0, submitted);
        }
        else if (cacheFirst)
        {
            // OPENAT, STATX and CLOSE: the reads were preadv2 calls on this thread.
            Assert.True(submitted < 20, $"{submitted} SQEs: cached reads went through the ring.");
        }
        else
        {
            // OPENAT, STATX, 20 READs and CLOSE.
            Assert.True(submitted >= 23, $"Only {submitted} SQEs for 23 file operations.");
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_file_that_refuses_RWF_NOWAIT_is_read_through_the_ring_from_then_on(LoopBackendKind backend)
    {
        // procfs files refuse RWF_NOWAIT (EOPNOTSUPP); /proc/version is a regular file as far as open and statx go.
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        await using ZokioFile file = await ZokioFile.OpenAsync("/proc/version", FileMode.Open, FileAccess.Read, loop);
        Assert.True(file.ReadsWithoutWaiting);
        byte[] expected = File.ReadAllBytes("/proc/version");
        long before = await Backends.OnLoop(loop, () => Task.FromResult(loop.IoBackend.Submitted));
        byte[] buffer = new byte[4096];
        for (int i = 0; i < 5; i++)
        {
            int read = await file.ReadAsync(buffer, 0);
            Assert.Equal(expected, buffer[..read]);
            Assert.False(file.ReadsWithoutWaiting);
        }

        long submitted = await Backends.OnLoop(loop, () => Task.FromResult(loop.IoBackend.Submitted)) - before;
        if (backend == LoopBackendKind.IoUring)
        {
            Assert.True(submitted >= 5, $"Only {submitted} SQEs for 5 reads.");
        }
        else
        {
            Assert.Equal(0, submitted);
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_file_partly_dropped_from_the_page_cache_reads_back_exactly(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "evicted.bin");
        byte[] content = RandomNumberGenerator.GetBytes(1 << 20);
        await File.WriteAllBytesAsync(path, content);
        byte[] read = await group.Spawn(async () =>
        {
            await using ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.ReadWrite);
            await file.FlushAsync();
            // Clean pages can be dropped: every other 64 KiB out of the cache, so reads see cached and missing ranges
            // (a read that starts cached and runs into a missing range is short, and the next one starts missing).
            using (SafeFileHandle handle = File.OpenHandle(path))
            {
                for (int chunk = 1; chunk < 16; chunk += 2)
                {
                    _ = PosixFadvise((int)handle.DangerousGetHandle(), chunk * 65536L, 65536, PosixFadvDontNeed);
                }
            }

            byte[] result = new byte[content.Length];
            int total = 0;
            while (total < result.Length)
            {
                int n = await file.ReadAsync(result.AsMemory(total, Math.Min(100_000, result.Length - total)), total);
                Assert.True(n > 0);
                total += n;
            }

            Assert.Equal(0, await file.ReadAsync(new byte[10], total));
            return result;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(content, read);
    }

    [Theory, MemberData(nameof(BackendsAndReadPaths))]
    public async Task Reads_awaited_on_the_loop_allocate_nothing(LoopBackendKind backend, bool cacheFirst)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "allocations.bin");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(4096));
        long allocated = await group.Spawn(async () =>
        {
            await using ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read);
            file.ReadsWithoutWaiting = cacheFirst;
            byte[] buffer = new byte[4096];
            // Warm: JIT, the pending read and its registry slot, this lambda's own state machine.
            for (int i = 0; i < 200; i++)
            {
                Assert.Equal(4096, await file.ReadAsync(buffer, 0));
            }

            // Resuming inline, everything between the two readings ran on this thread, so its counter saw it all. (Not
            // xunit's Assert.Equal in the loop: it allocates.)
            long start = GC.GetAllocatedBytesForCurrentThread();
            long total = 0;
            for (int i = 0; i < 1000; i++)
            {
                total += await file.ReadAsync(buffer, 0);
            }

            long bytes = GC.GetAllocatedBytesForCurrentThread() - start;
            Assert.Equal(1000 * 4096, total);
            Assert.Same(group.Loops[0], EventLoop.Current);
            return bytes;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(0, allocated);
    }

    private const int PosixFadvDontNeed = 4;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    public static TheoryData<LoopBackendKind, string, FileMode, FileAccess> FailingOpens()
    {
        TheoryData<LoopBackendKind, string, FileMode, FileAccess> data = new();
        foreach (LoopBackendKind backend in Backends.Kinds)
        {
            data.Add(backend, "missing.txt", FileMode.Open, FileAccess.Read);
            data.Add(backend, "missing-dir/file.txt", FileMode.Open, FileAccess.Read);
            data.Add(backend, "missing-dir/file.txt", FileMode.Create, FileAccess.Write);
            data.Add(backend, "missing.txt", FileMode.Truncate, FileAccess.Write);
            data.Add(backend, "existing.txt", FileMode.CreateNew, FileAccess.Write);
            data.Add(backend, "subdir", FileMode.Open, FileAccess.Read);
            data.Add(backend, "subdir", FileMode.Open, FileAccess.ReadWrite);
            data.Add(backend, new string('n', 300), FileMode.Open, FileAccess.Read);
            // Permission denied, unless the tests run as root: then both must open it.
            data.Add(backend, "no-access.txt", FileMode.Open, FileAccess.Read);
        }

        return data;
    }

    [Theory, MemberData(nameof(FailingOpens))]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Failed_opens_throw_what_FileStream_throws(LoopBackendKind backend, string name, FileMode mode, FileAccess access)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        File.WriteAllText(Path.Combine(_directory, "existing.txt"), "x");
        File.WriteAllText(Path.Combine(_directory, "no-access.txt"), "x");
        File.SetUnixFileMode(Path.Combine(_directory, "no-access.txt"), UnixFileMode.None);
        Directory.CreateDirectory(Path.Combine(_directory, "subdir"));
        string path = Path.Combine(_directory, name);

        Exception? expected = Record.Exception(() => new FileStream(path, mode, access).Dispose());
        Exception? actual = await Record.ExceptionAsync(async () => await (await ZokioFile.OpenAsync(path, mode, access, group.Loops[0]).WaitAsync(Backends.Timeout)).DisposeAsync());
        Assert.Equal(expected?.GetType(), actual?.GetType());
        if (actual is not null)
        {
            Assert.Contains(Path.GetFullPath(path), actual.Message);
        }

        Assert.False(IsOpen(path), "A failed open left the file open.");
    }

    [Fact]
    public async Task Invalid_arguments_are_refused_before_anything_is_opened()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Epoll);
        EventLoop loop = group.Loops[0];
        string path = Path.Combine(_directory, "args.txt");
        await Assert.ThrowsAsync<ArgumentException>("access", () => ZokioFile.OpenAsync(path, FileMode.Create, FileAccess.Read, loop));
        await Assert.ThrowsAsync<ArgumentException>("mode", () => ZokioFile.OpenAsync(path, FileMode.Append, FileAccess.Write, loop));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("mode", () => ZokioFile.OpenAsync(path, (FileMode)42, FileAccess.Write, loop));
        InvalidOperationException noLoop = await Assert.ThrowsAsync<InvalidOperationException>(() => ZokioFile.OpenAsync(path, FileMode.Create, FileAccess.Write));
        Assert.Contains("loop thread", noLoop.Message);
        Assert.False(File.Exists(path));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Calls_the_access_does_not_allow_throw_NotSupportedException(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "access.txt");
        await File.WriteAllTextAsync(path, "data");
        await using ZokioFile readOnly = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, group.Loops[0]);
        await using ZokioFile writeOnly = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Write, group.Loops[0]);
        await Assert.ThrowsAsync<NotSupportedException>(() => readOnly.WriteAsync(new byte[1], 0).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => writeOnly.ReadAsync(new byte[1], 0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => readOnly.ReadAsync(new byte[1], -1).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => readOnly.ReadAsync(new byte[1], 0, new CancellationToken(true)).AsTask());
    }

    [Theory, MemberData(nameof(BackendsAndReadPaths))]
    public async Task Dispose_closes_the_fd_after_the_calls_in_flight_and_refuses_new_ones(LoopBackendKind backend, bool cacheFirst)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "dispose.bin");
        await File.WriteAllBytesAsync(path, new byte[1 << 20]);
        ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, group.Loops[0]);
        // Through the ring, the read is still in flight when the dispose starts; from the page cache it is already done.
        file.ReadsWithoutWaiting = cacheFirst;
        Assert.True(IsOpen(path));

        byte[] buffer = new byte[1 << 20];
        ValueTask<int> reading = file.ReadAsync(buffer, 0);
        ValueTask disposing = file.DisposeAsync();
        // The read started before the dispose runs to its end; only then is the fd closed.
        Assert.Equal(buffer.Length, await reading.AsTask().WaitAsync(Backends.Timeout));
        await disposing.AsTask().WaitAsync(Backends.Timeout);
        Assert.False(IsOpen(path));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => file.ReadAsync(buffer, 0).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => file.GetLengthAsync().AsTask());
        await file.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_file_disposed_after_its_group_stopped_is_still_closed(LoopBackendKind backend)
    {
        EventLoopGroup group = Backends.Start(backend);
        string path = Path.Combine(_directory, "late.bin");
        await File.WriteAllBytesAsync(path, new byte[16]);
        ZokioFile file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, group.Loops[0]);
        await group.DisposeAsync();

        await file.DisposeAsync().AsTask().WaitAsync(Backends.Timeout);
        Assert.False(IsOpen(path));
    }

    /// <summary>Whether any fd of this process refers to <paramref name="path"/>.</summary>
    private static bool IsOpen(string path)
    {
        string full = Path.GetFullPath(path);
        return Directory.GetFiles("/proc/self/fd").Any(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == full;
            }
            catch (IOException)
            {
                return false;
            }
        });
    }
}
