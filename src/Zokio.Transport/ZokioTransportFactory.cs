using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;
using Zokio.Transport.Internal;

namespace Zokio.Transport;

/// <summary>
/// Kestrel's transport on Zokio's event loops: binds TCP (IPv4, IPv6, dual mode), Unix domain sockets and inherited
/// listening handles, and declines everything else so Kestrel can fall back to another transport.
/// </summary>
public sealed class ZokioTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable
{
    private readonly ZokioTransportOptions _options;
    private readonly ILogger _logger;
    private readonly LoopGroupHolder _loops;

    /// <summary>Creates the factory; the event loops start at the first bind.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public ZokioTransportFactory(IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
    {
        _loops = new LoopGroupHolder(options, loggerFactory);
        _options = _loops.Options;
        _logger = _loops.Logger;
    }

    /// <summary>
    /// Creates the factory on an existing group of loops, shared with other users (an outbound
    /// <see cref="ZokioConnectionFactory"/>, application code): the group's own settings apply, and disposing the
    /// factory leaves the group running.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public ZokioTransportFactory(EventLoopGroup loops, IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
    {
        _loops = new LoopGroupHolder(loops, options, loggerFactory);
        _options = _loops.Options;
        _logger = _loops.Logger;
    }

    /// <summary>
    /// Creates the factory without dependency injection, for an app with no web host:
    /// <c>await using var transport = ZokioTransportFactory.Create();</c> then <see cref="BindAsync"/> and accept.
    /// </summary>
    /// <param name="options">The transport's options; defaults to <see cref="ZokioTransportOptions"/>'s defaults.</param>
    /// <param name="loggerFactory">Where the transport and its loops log; defaults to nowhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static ZokioTransportFactory Create(ZokioTransportOptions? options = null, ILoggerFactory? loggerFactory = null) =>
        new(Options.Create(options ?? new ZokioTransportOptions()), loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>The running event loops (started on first use).</summary>
    public EventLoopGroup Loops => _loops.Group;

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => EventLoopGroup.IsSupported && endpoint switch
    {
        IPEndPoint => true,
        UnixDomainSocketEndPoint => true,
        FileHandleEndPoint handle => handle.FileHandleType is FileHandleType.Auto or FileHandleType.Tcp or FileHandleType.Pipe,
        _ => false,
    };

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The endpoint type is not one <see cref="CanBind"/> accepts.</exception>
    /// <exception cref="AddressInUseException">Another socket holds the address.</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!CanBind(endpoint))
        {
            throw new NotSupportedException($"Zokio cannot bind {endpoint.GetType().FullName} ({endpoint}); it serves IPEndPoint, UnixDomainSocketEndPoint and FileHandleEndPoint on Linux.");
        }

        return new ValueTask<IConnectionListener>(ZokioConnectionListener.Bind(_loops.Group, endpoint, _options, _logger));
    }

    /// <summary>Stops the event loops, unless they were given to the factory. Kestrel unbinds and drains its listeners first.</summary>
    public ValueTask DisposeAsync() => _loops.DisposeAsync();
}
