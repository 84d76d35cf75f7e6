using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Server;

/// <summary>
/// Zokio's HTTP/1.1 server for one app: Kestrel's limits and settings, the <c>Date</c> header, the once-a-second
/// heartbeat that enforces the timeouts, and the connections it serves. Kestrel still accepts the connections (on
/// Zokio's transport) and hands those of the endpoints Zokio serves to <see cref="ServeAsync"/> (see
/// <see cref="KestrelEndpointHook"/>), so its connection limits, graceful shutdown and connection logs apply unchanged.
/// </summary>
internal sealed class Http1Server : IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<Http1Connection> _connections = [];
    private readonly List<(ListenOptions Endpoint, bool ServedByZokio, string Detail)> _endpoints = [];
    private readonly KestrelServerOptions _kestrel;
    private Func<ConnectionContext, Http1Connection>? _connectionFactory;
    private ITimer? _heartbeat;
    private long _upgradedConnections;

    public Http1Server(IOptions<KestrelServerOptions> kestrel, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        _kestrel = kestrel.Value;
        Time = timeProvider ?? TimeProvider.System;
        Logger = loggerFactory.CreateLogger("Zokio.Http.Server");
        Date = new DateHeaderCache(Time.GetUtcNow());
        KestrelServerLimits limits = _kestrel.Limits;
        Limits = new Http1Limits(limits.MaxRequestLineSize, limits.MaxRequestHeadersTotalSize, limits.MaxRequestHeaderCount, limits.MaxRequestBodySize,
            ValuesInUtf8Only: RequestHeaderEncodingSelector is null);
    }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    public DateHeaderCache Date { get; }

    public Http1Limits Limits { get; }

    public KestrelServerLimits KestrelLimits => _kestrel.Limits;

    public bool AddServerHeader => _kestrel.AddServerHeader;

    public bool AllowSynchronousIO => _kestrel.AllowSynchronousIO;

    public Func<string, System.Text.Encoding?>? ResponseHeaderEncodingSelector => _kestrel.ResponseHeaderEncodingSelector;

    /// <summary>
    /// The app's <c>RequestHeaderEncodingSelector</c>, or null when it is Kestrel's default (every value UTF-8), which
    /// then costs no call per field.
    /// </summary>
    public Func<string, System.Text.Encoding?>? RequestHeaderEncodingSelector =>
        ReferenceEquals(_kestrel.RequestHeaderEncodingSelector, s_defaultEncodingSelector) ? null : _kestrel.RequestHeaderEncodingSelector;

    // Kestrel's default selector is one shared delegate: a fresh options object holds it.
    private static readonly Func<string, System.Text.Encoding?> s_defaultEncodingSelector = new KestrelServerOptions().RequestHeaderEncodingSelector;

    /// <summary>Starts serving <paramref name="application"/>: called by <see cref="ZokioServer"/> before Kestrel binds.</summary>
    public void Start<TContext>(IHttpApplication<TContext> application)
        where TContext : notnull
    {
        _connectionFactory = connection => new Http1Connection<TContext>(this, connection, application);
        _heartbeat = Time.CreateTimer(static state => ((Http1Server)state!).OnHeartbeat(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Notes who serves <paramref name="endpoint"/>, for the start-up log (<see cref="LogEndpoints"/>).</summary>
    public void Describe(ListenOptions endpoint, bool servedByZokio, string detail)
    {
        lock (_lock)
        {
            _endpoints.Add((endpoint, servedByZokio, detail));
        }
    }

    /// <summary>Logs who serves each endpoint, once Kestrel has bound them (so the addresses carry their ports).</summary>
    public void LogEndpoints()
    {
        lock (_lock)
        {
            foreach ((ListenOptions endpoint, bool servedByZokio, string detail) in _endpoints)
            {
                if (servedByZokio)
                {
                    ServerLog.EndpointServedByZokio(Logger, endpoint.ToString() ?? "", detail);
                }
                else
                {
                    ServerLog.EndpointServedByKestrel(Logger, endpoint.ToString() ?? "", detail);
                }
            }

            _endpoints.Clear();
        }
    }

    /// <summary>Serves one connection until it closes; Kestrel disposes it afterwards.</summary>
    public async Task ServeAsync(ConnectionContext connection)
    {
        Func<ConnectionContext, Http1Connection> factory = _connectionFactory ?? throw new InvalidOperationException("Zokio's server was handed a connection before it started.");
        Http1Connection http = factory(connection);
        lock (_lock)
        {
            _connections.Add(http);
        }

        try
        {
            await http.ProcessRequestsAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _connections.Remove(http);
            }
        }
    }

    /// <summary>Takes one of <c>MaxConcurrentUpgradedConnections</c>; false when none is left.</summary>
    public bool TryUpgrade()
    {
        long? max = _kestrel.Limits.MaxConcurrentUpgradedConnections;
        long count = Interlocked.Increment(ref _upgradedConnections);
        if (max is { } limit && count > limit)
        {
            Interlocked.Decrement(ref _upgradedConnections);
            return false;
        }

        return true;
    }

    public void ReleaseUpgrade() => Interlocked.Decrement(ref _upgradedConnections);

    public void Dispose() => _heartbeat?.Dispose();

    private void OnHeartbeat()
    {
        DateTimeOffset now = Time.GetUtcNow();
        Date.Refresh(now);
        long ticks = Time.GetTimestamp();
        // Timed-out connections are told outside the lock: telling one cancels its pending read, and a pipe may run the
        // reader's continuation inline.
        List<Http1Connection>? expired = null;
        lock (_lock)
        {
            foreach (Http1Connection connection in _connections)
            {
                if (connection.CheckTimeouts(ticks) != Http1.ConnectionTimeout.None)
                {
                    (expired ??= []).Add(connection);
                }
            }
        }

        if (expired is not null)
        {
            foreach (Http1Connection connection in expired)
            {
                connection.OnTimeout(connection.CheckTimeouts(ticks));
            }
        }
    }
}
