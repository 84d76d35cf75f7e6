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
    private MultishotReceive? _multishot;
    // Rented from the loop only while a send needs it: an idle connection holds none (about 2.5 KiB
    // of native and managed memory each, which made Zokio's idle connections cost more than the Sockets transport's).
    private NativeSocketBuffers? _buffers;
    private MemoryHandle _receivePin;
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
    public bool HasPendingOperations => _read.InFlight || _write.InFlight || _multishot is { InFlight: true };

    /// <summary>True when this socket can receive with <see cref="StartMultishotReceive"/> (io_uring with provided buffers).</summary>
    public bool CanReceiveMultishot => Loop.IoBackend.SupportsMultishotReceive;

    /// <summary>
    /// Starts (or, once it ended, restarts) receiving every arrival into <paramref name="target"/> with one multishot
    /// request; await <see cref="MultishotReceive.WaitAsync"/> on the returned operation for the bytes and its end.
    /// </summary>
    public MultishotReceive StartMultishotReceive(IBufferWriter<byte> target)
    {
        Debug.Assert(Loop.IsOnLoopThread && _multishot is not { InFlight: true });
        _multishot ??= new MultishotReceive { Fd = Fd };
        _multishot.Start(target, Loop.IoBackend);
        return _multishot;
    }

    /// <summary>Asks the kernel to end the multishot receive (backpressure); it ends with -ECANCELED.</summary>
    public void StopMultishotReceive()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        if (_multishot is { InFlight: true } && !_multishot.CancelRequested)
        {
            Loop.IoBackend.Cancel(_multishot);
        }
    }

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
        int received = SocketCalls.ReceiveNonBlocking(Fd, NativeSocketBuffers.AddressOf(pin), buffer.Length);
        if (received == -Interop.Errno.EAGAIN || (received > 0 && received < buffer.Length))
        {
            // A stream socket's recv returns less than asked only when it emptied the receive queue (TCP urgent data,
            // which HTTP never sends, aside), so a short read says "drained" as surely as EAGAIN. Telling epoll now
            // makes the next wait a real one: without it the wait completed at once on stale readiness, the connection
            // took a buffer for a recv that found nothing (and held it while idle), and every request paid that extra
            // recv. Bytes arriving later raise a new edge, which the loop reads in its next epoll_wait, after this call.
            Loop.IoBackend.MarkNotReadable(Fd);
        }

        return received;
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
        _write.Flags = 0;
        return _write.SubmitAsync(Loop.IoBackend);
    }

    /// <summary>
    /// Sends what a non-blocking sendmsg(2) takes of <paramref name="buffers"/> right now, on the loop thread (no send of
    /// this socket in flight): bytes sent, or -errno (-EAGAIN when the socket buffer is full).
    /// </summary>
    public unsafe int SendNow(in ReadOnlySequence<byte> buffers)
    {
        Debug.Assert(Loop.IsOnLoopThread && !_write.InFlight);
        NativeSocketBuffers native = _buffers ??= Loop.RentSocketBuffers();
        native.PrepareSend(buffers);
        nint sent = Interop.Sys.SendMsg(Fd, (Interop.MsgHdr*)native.MessageAddress, Interop.Sys.MSG_DONTWAIT | Interop.Sys.MSG_NOSIGNAL);
        int result = sent >= 0 ? (int)sent : -System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        SendCompleted();
        return result;
    }

    /// <summary>Makes the close of this socket abortive: an RST, as <c>Socket.Close(0)</c>.</summary>
    public void SetAbortiveClose()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        if (!_closed)
        {
            SocketCalls.TrySetAbortiveClose(Fd);
        }
    }

    /// <summary>Called after a send completes, so pins on memory that is not the pool's are released.</summary>
    public void SendCompleted()
    {
        if (_buffers is not null)
        {
            _buffers.ReleasePins();
            Loop.ReturnSocketBuffers(_buffers);
            _buffers = null;
        }
    }

    /// <summary>
    /// Accepts a pending connection with a direct non-blocking accept4(2) (the socket listens non-blocking): its fd, or
    /// -errno (-EAGAIN when none is pending; wait with <see cref="WaitReadableAsync"/>). The peer address is written
    /// to this call's own buffer, so accepts never share one.
    /// </summary>
    public unsafe int AcceptNow(out EndPoint? remoteEndPoint)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        uint length = SocketAddressCodec.MaxSize;
        int flags = Interop.Sys.SOCK_CLOEXEC | (Loop.Backend == LoopBackendKind.Epoll ? Interop.Sys.SOCK_NONBLOCK : 0);
        int fd = Interop.Sys.Accept4(Fd, address, &length, flags);
        if (fd < 0)
        {
            remoteEndPoint = null;
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Interop.Errno.EAGAIN)
            {
                Loop.IoBackend.MarkNotReadable(Fd);
            }

            return -errno;
        }

        remoteEndPoint = SocketAddressCodec.Read(new ReadOnlySpan<byte>(address, (int)Math.Min(length, SocketAddressCodec.MaxSize)));
        return fd;
    }

    /// <summary>
    /// Connects to <paramref name="endPoint"/> (the socket must be non-blocking): 0, or -errno. A connect in progress
    /// is a wait for writability, which a hand-off can re-issue like any other wait.
    /// </summary>
    public async ValueTask<int> ConnectAsync(EndPoint endPoint)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        int result = SocketCalls.ConnectNonBlocking(Fd, endPoint);
        if (result != -Interop.Errno.EINPROGRESS)
        {
            return result;
        }

        // The handshake is under way: the socket is not writable until it ends (epoll must not take it as ready).
        Loop.IoBackend.MarkNotWritable(Fd);
        _write.Kind = IoOperationKind.PollWritable;
        int ready = await _write.SubmitAsync(Loop.IoBackend);
        return ready < 0 ? ready : SocketCalls.GetPendingError(Fd);
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
        if (_multishot is not null)
        {
            Loop.IoBackend.Cancel(_multishot);
        }
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
        _multishot?.Dispose();
    }
}
