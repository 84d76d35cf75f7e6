using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;
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

    /// <summary>
    /// Creates the factory on an existing group of loops, shared with other users (Zokio's transport or server,
    /// application code): the group's own settings apply, and disposing the factory leaves the group running.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public ZokioConnectionFactory(EventLoopGroup loops, IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
    {
        _loops = new LoopGroupHolder(loops, options, loggerFactory);
        _options = _loops.Options;
        _logger = _loops.Logger;
    }

    /// <summary>
    /// Creates the factory without dependency injection: <c>await using var client = ZokioConnectionFactory.Create();</c>
    /// then <see cref="ConnectAsync"/>.
    /// </summary>
    /// <param name="options">The transport's options; defaults to <see cref="ZokioTransportOptions"/>'s defaults.</param>
    /// <param name="loggerFactory">Where the transport and its loops log; defaults to nowhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static ZokioConnectionFactory Create(ZokioTransportOptions? options = null, ILoggerFactory? loggerFactory = null) =>
        new(Options.Create(options ?? new ZokioTransportOptions()), loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>The running event loops (started on first use).</summary>
    public EventLoopGroup Loops => _loops.Group;

    /// <summary>Connects to <paramref name="endpoint"/> (IP, DNS name, or Unix socket) on the next loop.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, ...).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        LoopSocket socket = await LoopSocket.ConnectAsync(_loops.Group.Next(), endpoint, cancellationToken).ConfigureAwait(false);
        try
        {
            if (socket.RemoteEndPoint is IPEndPoint && _options.NoDelay)
            {
                socket.NoDelay = true;
            }

            ZokioConnection connection = new(socket, _options, _logger);
            connection.Start();
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Stops the event loops, unless they were given to the factory; close the connections first.</summary>
    public ValueTask DisposeAsync() => _loops.DisposeAsync();
}
