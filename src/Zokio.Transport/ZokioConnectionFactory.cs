using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Net;
using Zokio.Transport.Internal;

namespace Zokio.Transport;

/// <summary>
/// Outbound connections on Zokio's event loops, for proxies, Bedrock-style clients, and
/// <see cref="System.Net.Http.SocketsHttpHandler.ConnectCallback"/> (through the connection's pipes as a stream).
/// </summary>
public sealed class ZokioConnectionFactory : IConnectionFactory, IAsyncDisposable
{
    private readonly ZokioTransportOptions _options;
    private readonly ILogger _logger;
    private readonly LoopGroupHolder _loops;

    /// <summary>Creates the factory; the event loops start at the first connect.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public ZokioConnectionFactory(IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
    {
        _loops = new LoopGroupHolder(options, loggerFactory);
        _options = _loops.Options;
        _logger = _loops.Logger;
    }

    /// <summary>Connects to <paramref name="endpoint"/> (IP, DNS name, or Unix socket) on the next loop.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, ...).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint is DnsEndPoint dns)
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                try
                {
                    return await ConnectAsync(new IPEndPoint(address, dns.Port), cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    last = ex;
                }
            }

            throw last ?? new SocketException((int)SocketError.HostNotFound);
        }

        int family = SocketAddressCodec.FamilyOf(endpoint);
        if (family < 0)
        {
            throw new NotSupportedException($"Zokio cannot connect to {endpoint.GetType().FullName} ({endpoint}); use IPEndPoint, DnsEndPoint or UnixDomainSocketEndPoint.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        EventLoop loop = _loops.Group.Next();
        // Non-blocking for connect(2) itself; io_uring then gets the blocking fd its RECV/SENDMSG requests expect.
        FileDescriptorHandle handle = SocketCalls.Create(family, nonBlocking: true);
        if (endpoint is IPEndPoint && _options.NoDelay)
        {
            SocketCalls.SetOption(handle.Fd, Interop.Sys.IPPROTO_TCP, Interop.Sys.TCP_NODELAY, 1);
        }

        LoopSocket socket = new(loop, handle);
        PendingConnect pending = new(socket);
        int result;
        using (cancellationToken.UnsafeRegister(static s => ((PendingConnect)s!).Cancel(), pending))
        {
            result = await LoopInvoke.RunAsync(loop, pending.ConnectAsync(endpoint)).ConfigureAwait(false);
        }

        if (result < 0)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw Interop.Errno.ToSocketException(result);
        }

        if (loop.Backend != LoopBackendKind.Epoll)
        {
            SocketCalls.SetNonBlocking(handle.Fd, nonBlocking: false);
        }

        ZokioConnection connection = new(socket, SocketCalls.GetLocalEndPoint(handle.Fd), endpoint, _options, _logger);
        await LoopInvoke.RunAsync(loop, () =>
        {
            connection.Start();
            return Task.FromResult(true);
        }).ConfigureAwait(false);
        return connection;
    }

    /// <summary>
    /// One connect in progress. Its cancellation runs on the loop and only while the connect is still pending, so a
    /// token that fires after the connect succeeded can never cancel the new connection's first operations.
    /// </summary>
    private sealed class PendingConnect(LoopSocket socket)
    {
        private readonly LoopSocket _socket = socket;
        private bool _done;

        public Func<Task<int>> ConnectAsync(EndPoint endpoint) => async () =>
        {
            try
            {
                return await _socket.ConnectAsync(endpoint);
            }
            finally
            {
                _done = true;
            }
        };

        public void Cancel() => _socket.Loop.Schedule(static state =>
        {
            PendingConnect pending = (PendingConnect)state!;
            if (!pending._done)
            {
                pending._socket.CancelPendingOperations();
            }
        }, this);
    }

    /// <summary>Stops the event loops; close the connections first.</summary>
    public ValueTask DisposeAsync() => _loops.DisposeAsync();
}
