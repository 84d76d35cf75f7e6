using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;
using Zokio.Transport;

namespace Zokio.Http.Internal;

/// <summary>
/// The transport as registered by <c>UseZokio()</c>: Zokio's factory behind a switch. Where Zokio is disabled or the
/// OS has no Zokio backend it declines every endpoint, and Kestrel binds with its Sockets transport instead.
/// </summary>
internal sealed class ZokioListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable
{
    private readonly IOptions<ZokioOptions> _options;
    private readonly ZokioLoops _loops;
    private readonly PlatformSupport _platform;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private ZokioTransportFactory? _transport;
    private volatile EventLoopGroup? _servingLoops;
    private bool _created;
    private int _loggedDecline;

    // Options are read at the first bind, not here: Kestrel's server (and so this factory) is constructed by
    // WebApplicationBuilder.Build(), and reading them here would throw an invalid option from Build() instead of letting
    // ValidateOnStart fail StartAsync with every invalid option listed.
    public ZokioListenerFactory(IOptions<ZokioOptions> options, ZokioLoops loops, PlatformSupport platform, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loops = loops;
        _platform = platform;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Zokio.Http");
    }

    /// <summary>The transport, when Zokio serves.</summary>
    public ZokioTransportFactory? Transport
    {
        get
        {
            lock (_lock)
            {
                if (!_created)
                {
                    ZokioOptions options = _options.Value;
                    if (options.Enabled && _platform.IsSupported)
                    {
                        // On the app's one group of loops, which the transport shares and does not stop.
                        _transport = new ZokioTransportFactory(_loops.Group, Options.Create<ZokioTransportOptions>(options), _loggerFactory);
                    }

                    _created = true;
                }

                return _transport;
            }
        }
    }

    public bool CanBind(EndPoint endpoint)
    {
        ZokioTransportFactory? transport = Transport;
        if (transport is null)
        {
            if (Interlocked.Exchange(ref _loggedDecline, 1) == 0)
            {
                if (!_options.Value.Enabled)
                {
                    HttpLog.Disabled(_logger);
                }
                else
                {
                    HttpLog.Unsupported(_logger, _platform.Description);
                }
            }

            return false;
        }

        return transport.CanBind(endpoint);
    }

    /// <summary>The event loops once Zokio has bound an endpoint, else null; never starts them (the dashboard reads this).</summary>
    public EventLoopGroup? ServingLoops => _servingLoops;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ZokioTransportFactory transport = Transport
            ?? throw new InvalidOperationException("Zokio is not serving (Zokio:Enabled=false, or this OS has no Zokio backend); Kestrel should have asked CanBind first.");
        IConnectionListener listener = await transport.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        _servingLoops ??= transport.Loops;
        return listener;
    }

    public ValueTask DisposeAsync()
    {
        ZokioTransportFactory? transport;
        lock (_lock)
        {
            // A factory never asked to bind has nothing to stop; do not create one just to dispose it.
            _created = true;
            transport = _transport;
        }

        return transport?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
