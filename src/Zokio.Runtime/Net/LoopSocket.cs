using System.Buffers;
using System.Diagnostics;
using System.Net;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Net;

/// <summary>
/// A socket owned by one event loop, with one reusable operation per direction. Every method except
/// <see cref="Dispose"/> runs on the loop thread; results are byte counts or fds, or -errno.
/// </summary>
internal sealed class LoopSocket : IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly AsyncIoOperation _read = new();
    private readonly AsyncIoOperation _write = new();
    // Rented from the loop only while a send, accept or connect needs it: an idle connection holds none (about 2.5 KiB
    // of native and managed memory each, which made Zokio's idle connections cost more than the Sockets transport's).
    private NativeSocketBuffers? _buffers;
    private MemoryHandle _receivePin;
    private bool _isListener;
    private bool _closed;

    public LoopSocket(EventLoop loop, FileDescriptorHandle handle)
    {
        Loop = loop;
        _handle = handle;
        _read.Fd = _write.Fd = handle.Fd;
    }

    public EventLoop Loop { get; }

    public int Fd => _handle.Fd;

    /// <summary>True while an operation of this socket is in the kernel's hands.</summary>
    public bool HasPendingOperations => _read.InFlight || _write.InFlight;

    /// <summary>Receives into <paramref name="buffer"/>: bytes received, 0 at end of stream, or -errno.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        _receivePin.Dispose();
        _receivePin = buffer.Pin();
        _read.Kind = IoOperationKind.Receive;
        _read.Address = NativeSocketBuffers.AddressOf(_receivePin);
        _read.Length = buffer.Length;
        _read.Flags = 0;
        return _read.SubmitAsync(Loop.IoBackend);
    }

    /// <summary>
    /// Receives with a direct non-blocking recv(2) on the loop thread: bytes, 0 at end of stream, or -errno (-EAGAIN
    /// when nothing is there). Right after <see cref="WaitReadableAsync"/> reported data this saves a ring round trip.
    /// </summary>
    public int ReceiveNow(Memory<byte> buffer)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        using MemoryHandle pin = buffer.Pin();
        return SocketCalls.ReceiveNonBlocking(Fd, NativeSocketBuffers.AddressOf(pin), buffer.Length);
    }

    /// <summary>Completes when the socket is readable or the peer is gone (0), or with -errno.</summary>
    public ValueTask<int> WaitReadableAsync()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        _read.Kind = IoOperationKind.PollReadable;
        return _read.SubmitAsync(Loop.IoBackend);
    }

    /// <summary>
    /// Sends as much of <paramref name="buffers"/> as one sendmsg takes (up to <see cref="NativeSocketBuffers.MaxIoVectors"/>
    /// segments): bytes sent, which may be fewer than offered, or -errno.
    /// </summary>
    public ValueTask<int> SendAsync(in ReadOnlySequence<byte> buffers)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        _buffers ??= Loop.RentSocketBuffers();
        _buffers.PrepareSend(buffers);
        _write.Kind = IoOperationKind.SendMessage;
        _write.Address = _buffers.MessageAddress;
        // With MSG_WAITALL io_uring retries a short send on a stream socket itself instead of returning it (io_uring/net.c).
        _write.Flags = Loop.Backend == LoopBackendKind.IoUring ? MsgWaitAll : 0;
        return _write.SubmitAsync(Loop.IoBackend);
    }

    private const int MsgWaitAll = 0x100;

    /// <summary>Called after a send completes, so pins on memory that is not the pool's are released.</summary>
    public void SendCompleted()
    {
        if (_buffers is not null && !_isListener)
        {
            _buffers.ReleasePins();
            Loop.ReturnSocketBuffers(_buffers);
            _buffers = null;
        }
    }

    /// <summary>Accepts a connection: its fd, or -errno. <see cref="AcceptedAddress"/> then holds the peer.</summary>
    public ValueTask<int> AcceptAsync()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        // A listener keeps its buffers: it always has an accept pending.
        _isListener = true;
        _buffers ??= Loop.RentSocketBuffers();
        _buffers.PrepareAccept();
        _read.Kind = IoOperationKind.Accept;
        _read.Address = _buffers.SocketAddress;
        _read.Length = _buffers.SocketAddressLengthAddress;
        _read.Flags = Interop.Sys.SOCK_CLOEXEC;
        return _read.SubmitAsync(Loop.IoBackend);
    }

    /// <summary>The peer of the last accepted connection.</summary>
    public EndPoint? AcceptedAddress => _buffers?.ReadAcceptedAddress();

    /// <summary>Connects to <paramref name="endPoint"/>: 0, or -errno.</summary>
    public ValueTask<int> ConnectAsync(EndPoint endPoint)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        _buffers ??= Loop.RentSocketBuffers();
        _write.Kind = IoOperationKind.Connect;
        _write.Address = _buffers.SocketAddress;
        _write.Length = _buffers.WriteAddress(endPoint);
        return _write.SubmitAsync(Loop.IoBackend);
    }

    /// <summary>Asks the kernel to end this socket's pending operations; they complete with -ECANCELED or their result.</summary>
    public void CancelPendingOperations()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        if (_closed)
        {
            return;
        }

        Loop.IoBackend.Cancel(_read);
        Loop.IoBackend.Cancel(_write);
    }

    /// <summary>shutdown(2) in both directions: wakes pending receives with end of stream and sends FIN.</summary>
    public void Shutdown()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        if (!_closed)
        {
            SocketCalls.TryShutdown(Fd, Interop.Sys.SHUT_RDWR);
        }
    }

    /// <summary>Closes the fd and frees native memory, on the loop thread; only once no operation is in flight.</summary>
    public void Dispose()
    {
        if (!Loop.IsOnLoopThread)
        {
            // The backend's per-fd state must be dropped before the fd number can be reused, and only the loop owns it.
            Loop.Schedule(static state => ((LoopSocket)state!).Dispose(), this);
            return;
        }

        if (_closed)
        {
            return;
        }

        Debug.Assert(!HasPendingOperations, "A socket was closed with an operation in flight.");
        _closed = true;
        Loop.IoBackend.ForgetFd(Fd);
        _handle.Dispose();
        _receivePin.Dispose();
        if (_buffers is not null)
        {
            _buffers.ReleasePins();
            Loop.ReturnSocketBuffers(_buffers);
            _buffers = null;
        }
        _read.Dispose();
        _write.Dispose();
    }
}
