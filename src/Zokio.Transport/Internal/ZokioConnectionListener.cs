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
        bool nonBlocking = _group.Backend == LoopBackendKind.Epoll;
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

    /// <summary>Makes a connection for an accepted fd on its loop and queues it for Kestrel; on the loop thread.</summary>
    internal void OnAccepted(EventLoop loop, int fd, EndPoint? remoteEndPoint)
    {
        FileDescriptorHandle handle = new(fd);
        if (EndPoint is IPEndPoint && _options.NoDelay)
        {
            SocketCalls.SetOption(fd, Interop.Sys.IPPROTO_TCP, Interop.Sys.TCP_NODELAY, 1);
        }

        EndPoint? local = EndPoint is IPEndPoint ? SocketCalls.GetLocalEndPoint(fd) : EndPoint;
        ZokioConnection connection = new(new LoopSocket(loop, handle), local, remoteEndPoint ?? (EndPoint is IPEndPoint ? null : EndPoint), _options, _logger);
        loop.Counters.ConnectionsAccepted++;
        connection.Start();
        if (!_accepted.Writer.TryWrite(connection))
        {
            // Unbound while this one was in flight: nobody will take it.
            connection.Abort(new ConnectionAbortedException("The Zokio listener was unbound."));
            _ = connection.DisposeAsync().AsTask();
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
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
            connection.Abort(new ConnectionAbortedException("The Zokio listener was disposed."));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
