using System.Runtime.CompilerServices;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Files;

/// <summary>
/// A file read and written at explicit offsets through an event loop: with io_uring every call is one ring operation
/// (OPENAT, READ, WRITE, FSYNC, STATX, CLOSE); with epoll, where regular files cannot be waited on, the same calls run
/// on the thread pool and complete on the loop. A read the page cache can serve is one non-blocking preadv2(2) on the
/// calling thread instead, on either backend. Errors are the exceptions <see cref="FileStream"/> throws.
/// </summary>
/// <remarks>
/// Methods may be called from any thread and concurrently. An <c>await</c> started on a loop resumes on that loop.
/// Dispose the file (which closes it) before the loop's group: once the group has stopped, ring calls (and reads the
/// page cache cannot serve) fail with <see cref="OperationCanceledException"/>, though disposing still closes the fd.
/// No advisory lock is taken, unlike <see cref="FileStream"/>'s <see cref="FileShare"/>.
/// </remarks>
public sealed class ZokioFile : IAsyncDisposable
{
    // rw-rw-rw- before the umask, as FileStream creates files.
    private const int DefaultCreateMode = 0b110_110_110;

    private static readonly Func<EventLoop, WriteOperation> s_newWrite = static loop => new WriteOperation(loop);
    private static readonly Func<EventLoop, StatxOperation> s_newStatx = static loop => new StatxOperation(loop);
    private static readonly Func<EventLoop, FsyncOperation> s_newFsync = static loop => new FsyncOperation(loop);

    private readonly FileDescriptorHandle _handle;
    private readonly FileAccess _access;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // One operation of each kind kept for reuse: the common case (one call at a time) allocates nothing.
    private PendingRead? _sparePendingRead;
    private WriteOperation? _spareWrite;
    private StatxOperation? _spareStatx;
    private FsyncOperation? _spareFsync;

    // The open file's own reference plus one per call in flight; the fd is closed when it drops to zero.
    private int _references = 1;
    private int _disposed;
    private bool _readsWithoutWaiting = true;

    private ZokioFile(EventLoop loop, string path, FileAccess access, int fd)
    {
        Loop = loop;
        Path = path;
        _access = access;
        _handle = new FileDescriptorHandle(fd);
    }

    /// <summary>The full path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>The loop whose ring (or whose completions, with epoll) serves this file.</summary>
    public EventLoop Loop { get; }

    /// <summary>Opens (or creates) a file, as <see cref="FileStream"/> does for the same mode and access.</summary>
    /// <param name="path">Relative to the working directory, or absolute.</param>
    /// <param name="mode">How to open: <see cref="FileMode.Append"/> is refused, since every write names its offset.</param>
    /// <param name="access">Read, write, or both.</param>
    /// <param name="loop">The loop to serve the file; defaults to <see cref="EventLoop.Current"/>.</param>
    /// <exception cref="InvalidOperationException"><paramref name="loop"/> is null and the caller is not on a loop thread.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="mode"/> does not create it.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory of the path does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied, or the path is a directory.</exception>
    /// <exception cref="IOException">Any other error (the file exists with <see cref="FileMode.CreateNew"/>, ...), with the error's text.</exception>
    public static async Task<ZokioFile> OpenAsync(string path, FileMode mode, FileAccess access, EventLoop? loop = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int flags = OpenFlags(mode, access);
        loop ??= EventLoop.Current ?? throw new InvalidOperationException(
            "ZokioFile.OpenAsync needs an event loop: call it on a loop thread (in work spawned on an EventLoopGroup, or a handler running on Zokio's loops), or pass one.");
        string fullPath = System.IO.Path.GetFullPath(path);

        IoResult opened;
        using (OpenAtOperation operation = new(loop))
        {
            opened = await operation.OpenAsync(fullPath, flags, DefaultCreateMode);
        }

        if (!opened.Succeeded)
        {
            throw FileErrors.ForOpen(opened.Errno, fullPath, flags);
        }

        ZokioFile file = new(loop, fullPath, access, opened.Value);
        try
        {
            // open(2) opens a directory for reading; FileStream refuses it, and so does this.
            (IoResult result, _, int fileMode) = await file.StatxAsync(Interop.Sys.STATX_TYPE);
            if (!result.Succeeded)
            {
                throw FileErrors.ForOperation(result.Errno, fullPath);
            }

            if ((fileMode & Interop.Sys.S_IFMT) == Interop.Sys.S_IFDIR)
            {
                throw new UnauthorizedAccessException($"Access to the path '{fullPath}' is denied.");
            }
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }

        return file;
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/>, as <see cref="RandomAccess.ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, Memory{byte}, long, CancellationToken)"/>.</summary>
    /// <param name="buffer">Where the bytes go; it must stay untouched until the call completes.</param>
    /// <param name="offset">The file offset to read from; zero or more.</param>
    /// <param name="cancellationToken">Checked before the read starts; a read in progress runs to its end.</param>
    /// <returns>
    /// The bytes read: fewer than asked near the end of the file, or when the page cache held only the start of the
    /// range (the next call reads the rest); 0 at or past the end.
    /// </returns>
    /// <exception cref="NotSupportedException">The file was opened without read access.</exception>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    /// <exception cref="IOException">The read failed; the message has the error's text.</exception>
    /// <remarks>
    /// What the page cache holds is read at once on the calling thread, with one non-blocking preadv2(RWF_NOWAIT) and
    /// nothing allocated; only a read that would wait for the disk goes to the ring (or, with epoll, the thread pool).
    /// </remarks>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken = default)
    {
        // Every failure is reported through the returned task; the call itself throws nothing.
        if (offset < 0)
        {
            return ValueTask.FromException<int>(new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must be zero or more."));
        }

        if ((_access & FileAccess.Read) == 0)
        {
            return ValueTask.FromException<int>(new NotSupportedException($"'{Path}' was opened without read access."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (!TryAddReference())
        {
            return ValueTask.FromException<int>(new ObjectDisposedException(GetType().FullName));
        }

        if (buffer.IsEmpty)
        {
            ReleaseReference();
            return ValueTask.FromResult(0);
        }

        buffer = buffer[..Math.Min(buffer.Length, FileOperation.MaxTransfer)];
        if (_readsWithoutWaiting && TryReadCached(buffer.Span, offset) is int read and >= 0)
        {
            ReleaseReference();
            return ValueTask.FromResult(read);
        }

        // Not cached (or RWF_NOWAIT refused): the reference passes to the pending read, which gives it back.
        PendingRead pending = Interlocked.Exchange(ref _sparePendingRead, null) ?? new PendingRead(this);
        return pending.Start(_handle.Fd, buffer, offset);
    }

    /// <summary>
    /// Whether reads try the page cache first (preadv2 with RWF_NOWAIT). Cleared for good, for this file, when the
    /// file, the kernel or the libc refuses the flag; tests and the benchmark clear it to send every read through the ring.
    /// </summary>
    internal bool ReadsWithoutWaiting
    {
        get => _readsWithoutWaiting;
        set => _readsWithoutWaiting = value;
    }

    /// <summary>Reads what the page cache holds at <paramref name="offset"/>: the bytes read, or -1 when the read must wait (or RWF_NOWAIT is refused).</summary>
    private int TryReadCached(Span<byte> buffer, long offset)
    {
        IoResult result;
        try
        {
            result = IoResult.FromSyscall(Interop.Sys.PReadNoWait(_handle.Fd, buffer, offset));
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without preadv2: the ring (or thread pool) reads everything.
            result = IoResult.Failure(Interop.Errno.ENOSYS);
        }

        if (result.Succeeded)
        {
            return result.Value;
        }

        if (result.Errno is Interop.Errno.EOPNOTSUPP or Interop.Errno.ENOSYS)
        {
            // procfs and sysfs files, kernels before 4.14: asking again would fail the same way.
            _readsWithoutWaiting = false;
        }

        // EAGAIN (not cached) and any error: the blocking read gives the answer, and the error if it is one.
        return -1;
    }

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/>, extending the file if needed.</summary>
    /// <param name="buffer">The bytes to write; it must stay untouched until the call completes.</param>
    /// <param name="offset">The file offset to write at; zero or more.</param>
    /// <param name="cancellationToken">Checked before the write starts; a write in progress runs to its end.</param>
    /// <exception cref="NotSupportedException">The file was opened without write access.</exception>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    /// <exception cref="IOException">The write failed (a full disk, ...); the message has the error's text.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if ((_access & FileAccess.Write) == 0)
        {
            throw new NotSupportedException($"'{Path}' was opened without write access.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        WriteOperation operation = Rent(ref _spareWrite, s_newWrite);
        try
        {
            while (!buffer.IsEmpty)
            {
                IoResult result = await operation.WriteAsync(_handle.Fd, buffer, offset);
                int written = result.Succeeded ? result.Value : throw FileErrors.ForOperation(result.Errno, Path);
                if (written == 0)
                {
                    throw new IOException($"Writing to '{Path}' made no progress.");
                }

                buffer = buffer[written..];
                offset += written;
            }
        }
        finally
        {
            Return(ref _spareWrite, operation);
        }
    }

    /// <summary>Makes written data durable: fsync(2), as <see cref="FileStream.Flush(bool)"/> with <c>flushToDisk: true</c>.</summary>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    /// <exception cref="IOException">The device reported an error.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync()
    {
        FsyncOperation operation = Rent(ref _spareFsync, s_newFsync);
        IoResult result;
        try
        {
            result = await operation.FsyncAsync(_handle.Fd);
        }
        finally
        {
            Return(ref _spareFsync, operation);
        }

        // As FileStream: special files that cannot be synchronized are not an error.
        if (!result.Succeeded && result.Errno is not (Interop.Errno.EROFS or Interop.Errno.EINVAL or Interop.Errno.EOPNOTSUPP))
        {
            throw FileErrors.ForOperation(result.Errno, Path);
        }
    }

    /// <summary>The file's current length in bytes (statx(2)).</summary>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> GetLengthAsync()
    {
        (IoResult result, long size, _) = await StatxAsync(Interop.Sys.STATX_SIZE);
        return result.Succeeded ? size : throw FileErrors.ForOperation(result.Errno, Path);
    }

    /// <summary>
    /// Closes the file once the calls in flight have finished; calls made after this throw
    /// <see cref="ObjectDisposedException"/>. Safe to call more than once.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReleaseReference();
        }

        return new ValueTask(_closed.Task);
    }

    private async ValueTask<(IoResult Result, long Size, int Mode)> StatxAsync(uint mask)
    {
        StatxOperation operation = Rent(ref _spareStatx, s_newStatx);
        try
        {
            IoResult result = await operation.StatxAsync(_handle.Fd, mask);
            return (result, operation.Size, operation.Mode);
        }
        finally
        {
            Return(ref _spareStatx, operation);
        }
    }

    /// <summary>Takes a reference for one call and an operation to make it with.</summary>
    private T Rent<T>(ref T? spare, Func<EventLoop, T> create)
        where T : FileOperation
    {
        ObjectDisposedException.ThrowIf(!TryAddReference(), this);
        return Interlocked.Exchange(ref spare, null) ?? create(Loop);
    }

    /// <summary>Takes a reference for one call; false once the file is disposed.</summary>
    private bool TryAddReference()
    {
        while (true)
        {
            int references = Volatile.Read(ref _references);
            if (references == 0 || Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back a finished call's operation and reference.</summary>
    private void Return<T>(ref T? spare, T operation)
        where T : FileOperation
    {
        if (Interlocked.CompareExchange(ref spare, operation, null) is not null)
        {
            operation.Dispose();
        }

        ReleaseReference();
    }

    /// <summary>
    /// Keeps a pending read whose caller has its result for the next read. Its reference went back when the read
    /// completed, so the file may have closed since: then it is disposed here, or by the close, whichever takes it.
    /// </summary>
    internal void ReturnPendingRead(PendingRead read)
    {
        if (Interlocked.CompareExchange(ref _sparePendingRead, read, null) is not null)
        {
            read.Dispose();
        }
        else if (Volatile.Read(ref _references) == 0)
        {
            Interlocked.Exchange(ref _sparePendingRead, null)?.Dispose();
        }
    }

    /// <summary>Gives back one call's reference (or the open file's own); the last one closes the fd.</summary>
    internal void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _ = CloseAsync();
        }
    }

    /// <summary>Runs once nothing else uses the fd: no call can start any more, so the spares are this method's alone.</summary>
    private async Task CloseAsync()
    {
        Interlocked.Exchange(ref _sparePendingRead, null)?.Dispose();
        _spareWrite?.Dispose();
        _spareStatx?.Dispose();
        _spareFsync?.Dispose();
        try
        {
            // As FileStream's handle, a failing close(2) is not reported: the fd is gone either way on Linux.
            using CloseOperation operation = new(Loop);
            await operation.CloseAsync(_handle.Fd).ConfigureAwait(false);
            _handle.SetHandleAsInvalid();
            _closed.TrySetResult();
        }
        catch (Exception ex)
        {
            _closed.TrySetException(ex);
        }
    }

    private static int OpenFlags(FileMode mode, FileAccess access)
    {
        int accessFlags = access switch
        {
            FileAccess.Read => Interop.Sys.O_RDONLY,
            FileAccess.Write => Interop.Sys.O_WRONLY,
            FileAccess.ReadWrite => Interop.Sys.O_RDWR,
            _ => throw new ArgumentOutOfRangeException(nameof(access), access, "FileAccess must be Read, Write or ReadWrite."),
        };

        int modeFlags = mode switch
        {
            FileMode.CreateNew => Interop.Sys.O_CREAT | Interop.Sys.O_EXCL,
            FileMode.Create => Interop.Sys.O_CREAT | Interop.Sys.O_TRUNC,
            FileMode.Open => 0,
            FileMode.OpenOrCreate => Interop.Sys.O_CREAT,
            FileMode.Truncate => Interop.Sys.O_TRUNC,
            FileMode.Append => throw new ArgumentException("ZokioFile writes at the offset each call names, so FileMode.Append has no meaning; open with FileMode.OpenOrCreate and write at GetLengthAsync().", nameof(mode)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "FileMode must be CreateNew, Create, Open, OpenOrCreate or Truncate."),
        };

        if (access == FileAccess.Read && mode is FileMode.CreateNew or FileMode.Create or FileMode.Truncate)
        {
            // FileStream's rule and wording: creating or truncating needs write access.
            throw new ArgumentException($"Combining FileMode: {mode} with FileAccess: {access} is invalid.", nameof(access));
        }

        return accessFlags | modeFlags | Interop.Sys.O_CLOEXEC;
    }
}
