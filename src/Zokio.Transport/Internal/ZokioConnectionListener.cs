using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Net;

namespace Zokio.Transport.Internal;

/// <summary>Kestrel's view of one bound endpoint: the listening socket(s) and a queue of accepted connections.</summary>
internal sealed class ZokioConnectionListener : IConnectionListener
{
    private readonly EventLoopGroup _group;
    private readonly ZokioTransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<ZokioConnection> _accepted = Channel.CreateUnbounded<ZokioConnection>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Acceptor> _acceptors = [];
    private string? _unixPathToDelete;
    private int _unbound;

    // Connections accepted and not yet taken by Kestrel; the acceptors pause at the backlog size.
    private int _pending;

    public ZokioConnectionListener(EventLoopGroup group, EndPoint endPoint, ZokioTransportOptions options, ILogger logger)
    {
        _group = group;
        _options = options;
        _logger = logger;
        EndPoint = endPoint;
    }

    public EndPoint EndPoint { get; private set; }

    internal void Bind()
    {
        // Non-blocking on every backend: the acceptors call accept4 directly once the socket is readable.
        const bool nonBlocking = true;
        List<FileDescriptorHandle> sockets = [];
        try
        {
            switch (EndPoint)
            {
                case IPEndPoint ip:
                    int count = _options.ReusePort ? _group.Loops.Count : 1;
                    for (int i = 0; i < count; i++)
                    {
                        FileDescriptorHandle socket = SocketCalls.Create(SocketAddressCodec.FamilyOf(ip), nonBlocking);
                        sockets.Add(socket);
                        BindTcp(socket.Fd, ip, i == 0);
                    }

                    break;
                case UnixDomainSocketEndPoint unix:
                    FileDescriptorHandle unixSocket = SocketCalls.Create(Interop.Sys.AF_UNIX, nonBlocking);
                    sockets.Add(unixSocket);
                    BindOrThrowAddressInUse(unixSocket.Fd, unix);
                    string path = unix.ToString();
                    _unixPathToDelete = path.Length > 0 && path[0] != '\0' ? path : null;
                    break;
                case FileHandleEndPoint handle:
                    // An inherited listening socket (systemd socket activation, a parent process): adopt it as it is.
                    FileDescriptorHandle inherited = new(checked((int)handle.FileHandle));
                    sockets.Add(inherited);
                    SocketCalls.SetNonBlocking(inherited.Fd, nonBlocking);
                    EndPoint = SocketCalls.GetLocalEndPoint(inherited.Fd) is IPEndPoint local ? local : EndPoint;
                    break;
                default:
                    throw new NotSupportedException($"Zokio cannot bind endpoints of type {EndPoint.GetType().FullName}.");
            }

            foreach (FileDescriptorHandle socket in sockets)
            {
                if (EndPoint is not FileHandleEndPoint)
                {
                    SocketCalls.Listen(socket.Fd, _options.Backlog);
                }
            }
        }
        catch
        {
            foreach (FileDescriptorHandle socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }

        bool oneSocketForAllLoops = sockets.Count == 1 && _group.Loops.Count > 1;
        for (int i = 0; i < sockets.Count; i++)
        {
            Acceptor acceptor = new(new LoopSocket(_group.Loops[i], sockets[i]), this, oneSocketForAllLoops, _logger);
            _acceptors.Add(acceptor);
            acceptor.Start();
        }

        TransportLog.Listening(_logger, EndPoint.ToString() ?? "?", sockets.Count, _group.Loops.Count, _group.Backend.ToString());
    }

    private void BindTcp(int fd, IPEndPoint requested, bool first)
    {
        SocketCalls.SetOption(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_REUSEADDR, 1);
        if (_options.ReusePort)
        {
            SocketCalls.SetOption(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_REUSEPORT, 1);
        }

        if (requested.AddressFamily == AddressFamily.InterNetworkV6 && requested.Address.Equals(IPAddress.IPv6Any))
        {
            // [::] serves IPv4 too, as Kestrel's Sockets transport does (DualMode).
            SocketCalls.SetOption(fd, Interop.Sys.IPPROTO_IPV6, Interop.Sys.IPV6_V6ONLY, 0);
        }

        // Port 0: the first socket gets a port from the kernel and the others join it there.
        BindOrThrowAddressInUse(fd, first ? requested : EndPoint);
        if (first)
        {
            EndPoint = SocketCalls.GetLocalEndPoint(fd) ?? requested;
        }
    }

    private static void BindOrThrowAddressInUse(int fd, EndPoint endPoint)
    {
        try
        {
            SocketCalls.Bind(fd, endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(ex.Message, ex);
        }
    }

    /// <summary>True while as many accepted connections wait for Kestrel as the backlog allows: the acceptors pause.</summary>
    internal bool IsFull => Volatile.Read(ref _pending) >= _options.Backlog;

    /// <summary>Counts a connection just accepted, until Kestrel takes it (or it is closed).</summary>
    internal void OnAcceptedReserved() => Interlocked.Increment(ref _pending);

    private void ReleaseReservation()
    {
        if (Interlocked.Decrement(ref _pending) < _options.Backlog)
        {
            foreach (Acceptor acceptor in _acceptors)
            {
                acceptor.ResumeIfPaused();
            }
        }
    }

    /// <summary>
    /// Makes a connection for an accepted fd on its loop and queues it for Kestrel; on the loop thread. A failure here
    /// is one connection's: it is logged and counted as rejected, the fd is closed, and accepting goes on.
    /// </summary>
    internal void OnAccepted(EventLoop loop, int fd, EndPoint? remoteEndPoint)
    {
        ZokioConnection connection;
        try
        {
            if (EndPoint is IPEndPoint && _options.NoDelay)
            {
                SocketCalls.SetOption(fd, Interop.Sys.IPPROTO_TCP, Interop.Sys.TCP_NODELAY, 1);
            }

            connection = new(new LoopSocket(loop, new FileDescriptorHandle(fd)), LocalEndPointOf(fd), remoteEndPoint ?? (EndPoint is IPEndPoint ? null : EndPoint), _options, _logger);
        }
        catch (Exception ex)
        {
            Interop.Sys.Close(fd);
            loop.Counters.ConnectionsRejected++;
            ReleaseReservation();
            TransportLog.AcceptedConnectionFailed(_logger, EndPoint.ToString() ?? "?", ex);
            return;
        }

        loop.Counters.ConnectionsAccepted++;
        connection.Start();
        if (!_accepted.Writer.TryWrite(connection))
        {
            // Unbound while this one was in flight: nobody will take it.
            ReleaseReservation();
            connection.Abort(new ConnectionAbortedException("The Zokio listener was unbound."));
            _ = connection.DisposeAsync().AsTask();
        }
    }

    /// <summary>The local address of an accepted connection: the listener's own when it is bound to one address.</summary>
    private EndPoint? LocalEndPointOf(int fd) => EndPoint switch
    {
        IPEndPoint ip when !ip.Address.Equals(IPAddress.Any) && !ip.Address.Equals(IPAddress.IPv6Any) => ip,
        IPEndPoint => SocketCalls.GetLocalEndPoint(fd),
        _ => EndPoint,
    };

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            ZokioConnection connection = await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReleaseReservation();
            return connection;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_acceptors.Select(a => a.StopAsync())).ConfigureAwait(false);
        _accepted.Writer.TryComplete();
        if (_unixPathToDelete is not null)
        {
            try
            {
                File.Delete(_unixPathToDelete);
            }
            catch (IOException)
            {
                // Someone else's file by now, or already gone: leave it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        // Connections accepted but never handed to Kestrel are ours to close.
        while (_accepted.Reader.TryRead(out ZokioConnection? connection))
        {
            ReleaseReservation();
            connection.Abort(new ConnectionAbortedException("The Zokio listener was disposed."));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
