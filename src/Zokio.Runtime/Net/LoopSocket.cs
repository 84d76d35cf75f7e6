using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Scheduling;

namespace Zokio.Runtime.Net;

/// <summary>
/// A connected stream socket (TCP or Unix) owned by one event loop for its whole life: accepted by a
/// <see cref="LoopListener"/> or made by <see cref="ConnectAsync"/>. It receives into an
/// <see cref="System.Buffers.IBufferWriter{T}"/> and sends <see cref="System.Buffers.ReadOnlySequence{T}"/>s, choosing the
/// kernel interface by itself (multishot receive, readiness and recv, or ring receive; one sendmsg per batch).
/// </summary>
/// <remarks>
/// Receiving, sending, <see cref="Shutdown"/> and <see cref="Abort"/> run on <see cref="Loop"/>'s thread; one receive
/// and one send may be pending at a time. <see cref="Dispose"/> may be called from any thread. Errors are thrown as
/// <see cref="SocketException"/> with the <see cref="SocketError"/> .NET sockets use; an operation ended by
/// <see cref="Shutdown"/>, <see cref="Abort"/> or <see cref="CancelPendingOperations"/> throws
/// <see cref="SocketError.OperationAborted"/>.
/// </remarks>
public sealed partial class LoopSocket : IDisposable
{
    private static long s_lastId;

    private readonly FileDescriptorHandle _handle;

    // One object per kind of request, made on first use (a listening socket only ever waits for readability), each
    // reused for every submission. At most one read-side and one write-side request is pending at a time.
    private PollOperation? _readable;
    private PollOperation? _writable;
    private ReceiveOperation? _receive;
    private SendMessageOperation? _send;
    private readonly long _sequence;
    private string? _id;
    private EndPoint? _localEndPoint;
    private bool _closed;
    private bool _counted;

    internal LoopSocket(EventLoop loop, FileDescriptorHandle handle, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null)
    {
        Loop = loop;
        _handle = handle;
        _localEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        _sequence = Interlocked.Increment(ref s_lastId);
    }

    /// <summary>The loop that owns this socket.</summary>
    public EventLoop Loop { get; }

    /// <summary>A process-wide unique name for this connection (<c>Z</c> and 12 hex digits), as traced by the <c>Zokio</c> EventSource.</summary>
    public string Id => _id ??= "Z" + _sequence.ToString("X12", CultureInfo.InvariantCulture);

    /// <summary>The local address (read from the kernel on first use when the listener was bound to a wildcard address).</summary>
    public EndPoint? LocalEndPoint => _localEndPoint ??= _closed ? null : SocketCalls.GetLocalEndPoint(Fd);

    /// <summary>The peer's address; for a Unix socket, the listener's path.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The file descriptor, for socket options set through other APIs; Zokio owns and closes it.</summary>
    public nint Handle => Fd;

    internal int Fd => _handle.Fd;

    /// <summary>Gets or sets TCP_NODELAY (Nagle's algorithm off when true); for TCP sockets only.</summary>
    /// <exception cref="SocketException">The kernel refused (not a TCP socket, or closed).</exception>
    public bool NoDelay
    {
        get => SocketCalls.GetOption(Fd, Interop.Sys.IPPROTO_TCP, Interop.Sys.TCP_NODELAY) != 0;
        set => SocketCalls.SetOption(Fd, Interop.Sys.IPPROTO_TCP, Interop.Sys.TCP_NODELAY, value ? 1 : 0);
    }

    /// <summary>True while an operation of this socket is in the kernel's hands.</summary>
    internal bool HasPendingOperations =>
        _readable is { InFlight: true } || _writable is { InFlight: true } || _receive is { InFlight: true } ||
        _send is { InFlight: true } || _multishot is { InFlight: true };

    private void ThrowIfNotOnLoop()
    {
        if (!Loop.IsOnLoopThread)
        {
            // Each ring has one submitter: an operation issued from another thread would corrupt the loop's state.
            throw new InvalidOperationException($"LoopSocket {Id} belongs to event loop {Loop.Index}: call it on that loop's thread (in its accept callback, in code its awaits resumed on, or through loop.Schedule).");
        }
    }

    /// <summary>Counts the socket as an open connection of its loop and traces it; once, on the loop thread.</summary>
    internal void OnOpened()
    {
        Debug.Assert(Loop.IsOnLoopThread && !_counted);
        _counted = true;
        Loop.Counters.ConnectionsActive++;
        ZokioEventSource.Log.ConnectionStart(Id, Loop.Index, LocalEndPoint, RemoteEndPoint);
    }

    /// <summary>
    /// Connects a new socket to <paramref name="endPoint"/> (an IP address, a DNS name, or a Unix socket path) on
    /// <paramref name="loop"/>; callable from any thread.
    /// </summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, name not found, ...).</exception>
    /// <exception cref="NotSupportedException">The endpoint type cannot be connected to.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static async ValueTask<LoopSocket> ConnectAsync(EventLoop loop, EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is DnsEndPoint dns)
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                try
                {
                    return await ConnectAsync(loop, new IPEndPoint(address, dns.Port), cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    last = ex;
                }
            }

            throw last ?? new SocketException((int)SocketError.HostNotFound);
        }

        int family = SocketAddressCodec.FamilyOf(endPoint);
        if (family < 0)
        {
            throw new NotSupportedException($"Zokio cannot connect to {endPoint.GetType().FullName} ({endPoint}); use IPEndPoint, DnsEndPoint or UnixDomainSocketEndPoint.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        // Non-blocking for connect(2) itself; io_uring then gets the blocking fd its RECV/SENDMSG requests expect.
        FileDescriptorHandle handle = SocketCalls.Create(family, nonBlocking: true);
        LoopSocket socket = new(loop, handle, remoteEndPoint: endPoint);
        PendingConnect pending = new(socket, endPoint);
        IoResult result;
        using (cancellationToken.UnsafeRegister(static s => ((PendingConnect)s!).Cancel(), pending))
        {
            result = await loop.InvokeAsync(pending.RunAsync).ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw result.ToSocketException();
        }

        if (loop.Backend != LoopBackendKind.Epoll)
        {
            SocketCalls.SetNonBlocking(handle.Fd, nonBlocking: false);
        }

        await loop.InvokeAsync(() =>
        {
            socket.OnOpened();
            return Task.FromResult(0);
        }).ConfigureAwait(false);
        return socket;
    }

    /// <summary>
    /// shutdown(2) in both directions: the peer gets a FIN after what was sent, and pending operations end (a receive
    /// with end of stream). Errors are ignored: the peer may be gone already.
    /// </summary>
    public void Shutdown()
    {
        ThrowIfNotOnLoop();
        if (!_closed)
        {
            SocketCalls.TryShutdown(Fd, Interop.Sys.SHUT_RDWR);
        }

        CancelPendingOperations();
    }

    /// <summary>
    /// Ends the connection abortively: pending operations end, and the close sends an RST and drops unsent bytes, as
    /// <c>Socket.Close(0)</c>.
    /// </summary>
    public void Abort()
    {
        ThrowIfNotOnLoop();
        if (!_closed)
        {
            SocketCalls.TrySetAbortiveClose(Fd);
        }

        CancelPendingOperations();
    }

    /// <summary>
    /// Ends the pending receive and send with <see cref="SocketError.OperationAborted"/> (or their result, if the kernel
    /// finished first): the receive as its result's <see cref="ReceiveResult.Error"/>, the send as a thrown
    /// <see cref="SocketException"/>. Later calls end the same way; the socket stays open until disposed.
    /// </summary>
    public void CancelPendingOperations()
    {
        ThrowIfNotOnLoop();
        _canceled = true;
        if (_closed)
        {
            return;
        }

        foreach (IoOperation? operation in (ReadOnlySpan<IoOperation?>)[_readable, _writable, _receive, _send])
        {
            if (operation is not null)
            {
                Loop.IoBackend.Cancel(operation);
            }
        }

        if (_multishot is { InFlight: true })
        {
            Loop.IoBackend.Cancel(_multishot);
        }
    }

    /// <summary>
    /// Closes the socket: pending operations are canceled first, and the fd is closed on the loop once the kernel holds
    /// none of them (so its number is never reused under a pending operation). Any thread; idempotent.
    /// </summary>
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

        if (HasPendingOperations)
        {
            // Canceled operations complete in the loop's next reap: close after that.
            CancelPendingOperations();
            Loop.Schedule(static state => ((LoopSocket)state!).Dispose(), this);
            return;
        }

        _closed = true;
        if (_counted)
        {
            Loop.Counters.ConnectionsActive--;
            ZokioEventSource.Log.ConnectionStop(Id);
        }

        Loop.IoBackend.ForgetFd(Fd);
        _handle.Dispose();
        ReleaseSendBuffers();
        _readable?.Dispose();
        _writable?.Dispose();
        _receive?.Dispose();
        _send?.Dispose();
        _multishot?.Dispose();
    }

    /// <summary>
    /// On a listening socket: accepts a pending connection with a direct non-blocking accept4(2) (the socket listens
    /// non-blocking): its fd, or the error (EAGAIN when none is pending; wait with <see cref="WaitReadableAsync"/>).
    /// The peer address is written to this call's own buffer, so accepts never share one.
    /// </summary>
    internal unsafe IoResult AcceptNow(out EndPoint? remoteEndPoint)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        uint length = SocketAddressCodec.MaxSize;
        int flags = Interop.Sys.SOCK_CLOEXEC | (Loop.Backend == LoopBackendKind.Epoll ? Interop.Sys.SOCK_NONBLOCK : 0);
        IoResult accepted = IoResult.FromSyscall(Interop.Sys.Accept4(Fd, address, &length, flags));
        if (!accepted.Succeeded)
        {
            remoteEndPoint = null;
            if (accepted.WouldBlock)
            {
                Loop.IoBackend.MarkNotReadable(Fd);
            }

            return accepted;
        }

        remoteEndPoint = SocketAddressCodec.Read(new ReadOnlySpan<byte>(address, (int)Math.Min(length, SocketAddressCodec.MaxSize)));
        return accepted;
    }

    /// <summary>
    /// One connect in progress. Its cancellation runs on the loop and only while the connect is still pending, so a
    /// token that fires after the connect succeeded can never cancel the new connection's first operations.
    /// </summary>
    private sealed class PendingConnect(LoopSocket socket, EndPoint endPoint)
    {
        private readonly LoopSocket _socket = socket;
        private bool _done;

        public async Task<IoResult> RunAsync()
        {
            try
            {
                return await _socket.ConnectNowAsync(endPoint);
            }
            finally
            {
                _done = true;
            }
        }

        public void Cancel() => _socket.Loop.Schedule(static state =>
        {
            PendingConnect pending = (PendingConnect)state!;
            if (!pending._done && pending._socket._writable is { } wait)
            {
                pending._socket.Loop.IoBackend.Cancel(wait);
            }
        }, this);
    }

    /// <summary>connect(2) on the non-blocking socket, then a wait for writability while the handshake runs: 0, or the error.</summary>
    private async ValueTask<IoResult> ConnectNowAsync(EndPoint endPoint)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        IoResult result = SocketCalls.ConnectNonBlocking(Fd, endPoint);
        if (result.Errno != Interop.Errno.EINPROGRESS)
        {
            return result;
        }

        // The handshake is under way: the socket is not writable until it ends (epoll must not take it as ready). A
        // wait, which a hand-off can re-issue like any other.
        Loop.IoBackend.MarkNotWritable(Fd);
        _writable ??= new PollOperation(writable: true) { Fd = Fd };
        IoResult ready = await _writable.SubmitAsync(Loop.IoBackend);
        return ready.Succeeded ? SocketCalls.GetPendingError(Fd) : ready;
    }
}
