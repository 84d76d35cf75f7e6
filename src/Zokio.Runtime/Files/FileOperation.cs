using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks.Sources;
using Zokio.Runtime.IoUring;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Files;

/// <summary>
/// One file system call for <see cref="ZokioFile"/>, awaitable and reusable: an SQE on the loop's ring, or, where the
/// ring cannot do it (epoll: regular files are always "ready", so readiness cannot make their I/O asynchronous; or a
/// kernel without the opcode), the blocking syscall on the thread pool with the completion handed back to the loop.
/// </summary>
/// <remarks>
/// Results are what the syscall returns, or -errno. One operation at a time; the owner awaits each one before
/// starting the next and calls <see cref="Release"/> once it is done with the object.
/// </remarks>
internal sealed unsafe class FileOperation : IoOperation, IValueTaskSource<int>, IThreadPoolWorkItem
{
    /// <summary>The most one read(2) or write(2) transfers on Linux (MAX_RW_COUNT); larger requests are short.</summary>
    public const int MaxTransfer = 0x7ffff000;

    private static bool[]? s_onRing;

    private static readonly Action<object?> s_submit = static state => ((FileOperation)state!).SubmitOnLoop();
    private static readonly Action<object?> s_finish = static state =>
    {
        FileOperation operation = (FileOperation)state!;
        operation.Finish(operation._threadPoolResult);
    };

    private readonly EventLoop _loop;

    // A struct statx to fill, followed by an empty C string: statx(fd, "", AT_EMPTY_PATH) describes the fd itself.
    private readonly byte* _scratch;

    // Awaited only by ZokioFile's own methods. Started on the loop, their continuation runs inline where the loop
    // dispatches the completion (it only finishes the call; the caller's own continuation is then posted to the loop's
    // context as application work): one queue hop per call, not two. Started elsewhere, it must not run on the loop
    // thread, so it goes to the thread pool.
    private ManualResetValueTaskSourceCore<int> _core;
    private MemoryHandle _pin;
    private byte* _path;
    private int _threadPoolResult;

    public FileOperation(EventLoop loop)
    {
        _loop = loop;
        _scratch = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(Interop.StatX) + 1));
    }

    /// <summary>The size from the last <see cref="StatxAsync"/>.</summary>
    public long StatxSize => (long)((Interop.StatX*)_scratch)->Size;

    /// <summary>The file type and mode bits from the last <see cref="StatxAsync"/>.</summary>
    public int StatxMode => ((Interop.StatX*)_scratch)->Mode;

    /// <summary>openat(2) relative to the working directory: the new fd, or -errno.</summary>
    public ValueTask<int> OpenAsync(string fullPath, int flags, int mode)
    {
        int length = Encoding.UTF8.GetByteCount(fullPath);
        _path = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(fullPath, new Span<byte>(_path, length));
        _path[length] = 0;
        Kind = IoOperationKind.OpenAt;
        Fd = Interop.Sys.AT_FDCWD;
        Address = (nint)_path;
        Length = mode;
        Flags = flags;
        return Start();
    }

    /// <summary>pread(2): bytes read, 0 at the end of the file, or -errno.</summary>
    public ValueTask<int> ReadAsync(int fd, Memory<byte> buffer, long offset) =>
        Transfer(IoOperationKind.Read, fd, buffer, offset);

    /// <summary>pwrite(2): bytes written, or -errno.</summary>
    public ValueTask<int> WriteAsync(int fd, ReadOnlyMemory<byte> buffer, long offset) =>
        Transfer(IoOperationKind.Write, fd, MemoryMarshal.AsMemory(buffer), offset);

    /// <summary>fsync(2): 0, or -errno.</summary>
    public ValueTask<int> FsyncAsync(int fd) => Simple(IoOperationKind.Fsync, fd);

    /// <summary>statx(2) of the fd itself for <paramref name="mask"/>: 0 (then read <see cref="StatxSize"/>, <see cref="StatxMode"/>), or -errno.</summary>
    public ValueTask<int> StatxAsync(int fd, uint mask)
    {
        Kind = IoOperationKind.Statx;
        Fd = fd;
        Address = (nint)(_scratch + sizeof(Interop.StatX));
        Length = (nint)mask;
        Offset = (long)_scratch;
        Flags = Interop.Sys.AT_EMPTY_PATH;
        return Start();
    }

    /// <summary>close(2): 0, or -errno. The fd is released either way.</summary>
    public ValueTask<int> CloseAsync(int fd) => Simple(IoOperationKind.Close, fd);

    /// <summary>Frees the operation; call once it is not in flight.</summary>
    public void Release()
    {
        NativeMemory.Free(_scratch);
        Dispose();
    }

    private ValueTask<int> Transfer(IoOperationKind kind, int fd, Memory<byte> buffer, long offset)
    {
        _pin = buffer.Pin();
        Kind = kind;
        Fd = fd;
        Address = (nint)_pin.Pointer;
        Length = Math.Min(buffer.Length, MaxTransfer);
        Offset = offset;
        return Start();
    }

    private ValueTask<int> Simple(IoOperationKind kind, int fd)
    {
        Kind = kind;
        Fd = fd;
        Flags = 0;
        return Start();
    }

    private ValueTask<int> Start()
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = !_loop.IsOnLoopThread;
        if (_loop.Backend == LoopBackendKind.IoUring && (s_onRing ??= ProbeRing())[(int)Kind])
        {
            if (_loop.IsOnLoopThread)
            {
                SubmitOnLoop();
            }
            else
            {
                // Only the loop's thread may touch its ring.
                _loop.Schedule(s_submit, this);
            }
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    private void SubmitOnLoop() => _loop.IoBackend.Submit(this);

    /// <summary>The ring's completion, on the loop thread.</summary>
    public override void OnCompleted(int result) => Finish(result);

    /// <summary>The thread-pool path: the blocking syscall here, the completion on the loop.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            _threadPoolResult = CallBlocking();
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without statx(2) (musl before 1.2.5): the call fails like a kernel without it would.
            _threadPoolResult = -Interop.Errno.ENOSYS;
        }

        _loop.Schedule(s_finish, this);
    }

    private int CallBlocking()
    {
        while (true)
        {
            nint result = Kind switch
            {
                IoOperationKind.OpenAt => Interop.Sys.OpenAt(Fd, (byte*)Address, Flags, (int)Length),
                IoOperationKind.Read => Interop.Sys.PRead(Fd, (void*)Address, (nuint)Length, Offset),
                IoOperationKind.Write => Interop.Sys.PWrite(Fd, (void*)Address, (nuint)Length, Offset),
                IoOperationKind.Fsync => Interop.Sys.FSync(Fd),
                IoOperationKind.Statx => Interop.Sys.Statx(Fd, (byte*)Address, Flags, (uint)Length, (Interop.StatX*)Offset),
                IoOperationKind.Close => Interop.Sys.Close(Fd),
                _ => throw new InvalidOperationException($"{Kind} is not a file operation."),
            };

            if (result >= 0)
            {
                return (int)result;
            }

            int errno = Marshal.GetLastPInvokeError();
            // close(2) must not be retried on Linux: the fd is released even when it reports EINTR.
            if (errno != Interop.Errno.EINTR || Kind == IoOperationKind.Close)
            {
                return -errno;
            }
        }
    }

    private void Finish(int result)
    {
        _pin.Dispose();
        _pin = default;
        if (_path is not null)
        {
            NativeMemory.Free(_path);
            _path = null;
        }

        _core.SetResult(result);
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, _core.RunContinuationsAsynchronously ? flags : flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);

    private static bool[] ProbeRing()
    {
        // Every kernel that passes the ring's own requirements (5.11+) has these opcodes, but a restricted ring or a
        // trimmed kernel may not: each missing one runs on the thread pool rather than refusing io_uring.
        bool[] onRing = new bool[byte.MaxValue + 1];
        foreach (IoOperationKind kind in (ReadOnlySpan<IoOperationKind>)[IoOperationKind.OpenAt, IoOperationKind.Read, IoOperationKind.Write, IoOperationKind.Fsync, IoOperationKind.Statx, IoOperationKind.Close])
        {
            onRing[(int)kind] = OpcodeProbe.IsSupported(OpcodeProbe.OpcodeOf(kind));
        }

        return onRing;
    }
}
