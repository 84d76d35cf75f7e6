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
    private readonly ZokioOptions _options;
    private readonly ILogger _logger;
    private readonly ZokioTransportFactory? _transport;
    private int _loggedDecline;

    public ZokioListenerFactory(IOptions<ZokioOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _logger = loggerFactory.CreateLogger("Zokio.Http");
        if (_options.Enabled && EventLoopGroup.IsSupported)
        {
            _transport = new ZokioTransportFactory(Options.Create<ZokioTransportOptions>(_options), loggerFactory);
        }
    }

    /// <summary>The transport, when Zokio serves.</summary>
    public ZokioTransportFactory? Transport => _transport;

    public bool CanBind(EndPoint endpoint)
    {
        if (_transport is null)
        {
            if (Interlocked.Exchange(ref _loggedDecline, 1) == 0)
            {
                if (!_options.Enabled)
                {
                    HttpLog.Disabled(_logger);
                }
                else
                {
                    HttpLog.Unsupported(_logger, System.Runtime.InteropServices.RuntimeInformation.OSDescription);
                }
            }

            return false;
        }

        return _transport.CanBind(endpoint);
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        _transport is null
            ? throw new InvalidOperationException("Zokio is not serving (Zokio:Enabled=false, or this OS has no Zokio backend); Kestrel should have asked CanBind first.")
            : _transport.BindAsync(endpoint, cancellationToken);

    public ValueTask DisposeAsync() => _transport?.DisposeAsync() ?? ValueTask.CompletedTask;
}
