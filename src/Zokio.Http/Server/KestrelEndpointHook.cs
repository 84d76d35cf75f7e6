using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zokio.Http.Server;

/// <summary>
/// Puts Zokio's server into Kestrel's connection pipeline: every endpoint gets one connection middleware that serves
/// HTTP/1.1 itself where Zokio can (endpoints that allow HTTP/1.1: cleartext, or TLS set up in code) and passes
/// everything else on to Kestrel (HTTP/2 by prior knowledge or ALPN, HTTP/2-only endpoints, TLS endpoints from
/// URLs). Kestrel keeps accepting, so its
/// endpoint configuration (Kestrel:Endpoints, urls, Listen calls), connection limits, graceful shutdown and
/// connection logs hold for both servers.
/// </summary>
/// <remarks>
/// Kestrel applies its endpoint defaults to an endpoint when the endpoint is created: at <c>Listen</c> for endpoints in
/// code (before this runs), at bind for configuration and URLs. So this adds the middleware to the code endpoints
/// directly, after their own middleware and TLS, and chains itself to the endpoint defaults for the others, where it
/// comes before the TLS Kestrel adds. For TLS endpoints from configuration, Zokio's server has Kestrel load its
/// configuration just before Kestrel starts (<see cref="ServeConfiguredTlsEndpoints"/>; Kestrel's own load then finds it
/// done) and appends the middleware after their TLS too. Kestrel keeps the code endpoints, the configuration's endpoints
/// and the current defaults in internal properties; they are read by name, and a test fails if Kestrel renames them
/// (<c>ServerEndpointTests</c>).
/// </remarks>
internal sealed class KestrelEndpointHook(IOptions<ZokioOptions> zokio, IServiceProvider services) : IPostConfigureOptions<KestrelServerOptions>
{
    private Http1Server? _server;

    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;

    internal static readonly PropertyInfo? CodeBackedListenOptions = typeof(KestrelServerOptions).GetProperty("CodeBackedListenOptions", Internal);
    internal static readonly PropertyInfo? EndpointDefaults = typeof(KestrelServerOptions).GetProperty("EndpointDefaults", Internal);
    internal static readonly PropertyInfo? IsTls = typeof(ListenOptions).GetProperty("IsTls", Internal);
    internal static readonly PropertyInfo? ConfigurationBackedListenOptions = typeof(KestrelServerOptions).GetProperty("ConfigurationBackedListenOptions", Internal);

    // TLS endpoints from configuration with this middleware after their TLS: the copy chained to the defaults, before
    // TLS, passes their connections on. Only touched while Kestrel loads and binds, on the thread that starts the host.
    private readonly HashSet<ListenOptions> _servedAfterConfiguredTls = [];

    // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 section 3.4): an HTTP/2 client with prior knowledge.
    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    // Resolved when Kestrel binds, not when its options are built: the server reads those options.
    private Http1Server Server => _server ??= services.GetRequiredService<Http1Server>();

    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        ZokioOptions settings;
        try
        {
            settings = zokio.Value;
        }
        catch (OptionsValidationException)
        {
            // The host's start fails with this message (options are validated on start); Kestrel need not fail first.
            return;
        }

        if (!settings.Enabled || settings.Server != ZokioServerKind.Zokio)
        {
            return;
        }

        if (CodeBackedListenOptions?.GetValue(options) is not List<ListenOptions> codeEndpoints || EndpointDefaults is null || IsTls is null)
        {
            throw new InvalidOperationException("Zokio:Server=Zokio does not support this version of Kestrel (its endpoint options changed shape); set Zokio:Server=Kestrel.");
        }

        foreach (ListenOptions endpoint in codeEndpoints)
        {
            endpoint.Use(next => Route(endpoint, next, tlsApplied: true));
        }

        var defaults = (Action<ListenOptions>?)EndpointDefaults.GetValue(options);
        options.ConfigureEndpointDefaults(endpoint =>
        {
            defaults?.Invoke(endpoint);
            endpoint.Use(next => Route(endpoint, next, tlsApplied: false));
        });
    }

    /// <summary>
    /// Loads Kestrel's endpoint configuration now, before Kestrel starts (its own load at start then finds it done, as
    /// the configuration has not changed), and serves HTTP/1.1 on its TLS endpoints after their TLS, where ALPN has chosen
    /// the protocol. An endpoint added later by a configuration reload keeps only the copy chained to the defaults, before
    /// TLS: Kestrel serves it.
    /// </summary>
    public void ServeConfiguredTlsEndpoints(KestrelServerOptions options)
    {
        if (options.ConfigurationLoader is not { } loader)
        {
            return;
        }

        if (ConfigurationBackedListenOptions is null)
        {
            throw new InvalidOperationException("Zokio:Server=Zokio does not support this version of Kestrel (its endpoint options changed shape); set Zokio:Server=Kestrel.");
        }

        loader.Load();
        foreach (ListenOptions endpoint in (IEnumerable<ListenOptions>)ConfigurationBackedListenOptions.GetValue(options)!)
        {
            if ((bool)IsTls!.GetValue(endpoint)! && _servedAfterConfiguredTls.Add(endpoint))
            {
                endpoint.Use(next => Route(endpoint, next, tlsApplied: true));
            }
        }
    }

    /// <summary>
    /// Called when Kestrel builds the endpoint's pipeline, at bind: the endpoint's protocols and TLS are final then, so
    /// the choice (and the log line saying who serves it) is made once per endpoint.
    /// </summary>
    /// <param name="endpoint">The endpoint whose pipeline is being built.</param>
    /// <param name="next">The rest of the pipeline: Kestrel's HTTP server.</param>
    /// <param name="tlsApplied">
    /// True where this comes after the endpoint's own middleware and TLS (endpoints in code, and TLS endpoints from
    /// configuration); false where it is chained to the defaults, before the TLS Kestrel adds for configuration and URLs.
    /// </param>
    private ConnectionDelegate Route(ListenOptions endpoint, ConnectionDelegate next, bool tlsApplied)
    {
        bool tls = (bool)IsTls!.GetValue(endpoint)!;
        if (!endpoint.Protocols.HasFlag(HttpProtocols.Http1))
        {
            Server.Describe(endpoint, servedByZokio: false, $"protocols {endpoint.Protocols}: Zokio's server speaks HTTP/1.1 only for now");
            return next;
        }

        if (tls && !tlsApplied)
        {
            if (!_servedAfterConfiguredTls.Contains(endpoint))
            {
                Server.Describe(endpoint, servedByZokio: false, "TLS set up by a URL is Kestrel's for now");
            }

            return next;
        }

        bool http2 = endpoint.Protocols.HasFlag(HttpProtocols.Http2);
        if (tls)
        {
            // After Kestrel's TLS: ALPN has chosen the protocol.
            Server.Describe(endpoint, servedByZokio: true, http2 ? " (over TLS); HTTP/2 (ALPN h2) by Kestrel" : " (over TLS)");
            return connection => IsHttp2ByAlpn(connection) ? next(connection) : Server.ServeAsync(connection);
        }

        if (!http2)
        {
            Server.Describe(endpoint, servedByZokio: true, "");
            return Server.ServeAsync;
        }

        Server.Describe(endpoint, servedByZokio: true, "; HTTP/2 with prior knowledge by Kestrel");
        return connection => ServeUnlessHttp2Async(connection, next);
    }

    private static bool IsHttp2ByAlpn(ConnectionContext connection) =>
        connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true;

    /// <summary>Looks at the first bytes without consuming them: the HTTP/2 preface goes to Kestrel, the rest is Zokio's.</summary>
    private async Task ServeUnlessHttp2Async(ConnectionContext connection, ConnectionDelegate next)
    {
        PipeReader input = connection.Transport.Input;
        bool? http2;
        // The wait for the first bytes is under the keep-alive timeout, as it would be in either server.
        using var idle = new CancellationTokenSource();
        TimeSpan keepAlive = Server.KestrelLimits.KeepAliveTimeout;
        if (keepAlive > TimeSpan.Zero && keepAlive.TotalMilliseconds < int.MaxValue)
        {
            idle.CancelAfter(keepAlive);
        }

        try
        {
            do
            {
                ReadResult result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
                http2 = StartsWithPreface(result.Buffer, result.IsCompleted || result.IsCanceled);
                // Nothing is consumed; with too few bytes to tell, the next read waits for more.
                input.AdvanceTo(result.Buffer.Start, http2 is null ? result.Buffer.End : result.Buffer.Start);
            }
            while (http2 is null);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            return;
        }

        await (http2.Value ? next(connection) : Server.ServeAsync(connection)).ConfigureAwait(false);
    }

    /// <summary>True or false once the bytes tell; null while they are a strict prefix of the preface and more may come.</summary>
    private static bool? StartsWithPreface(ReadOnlySequence<byte> buffer, bool ended)
    {
        int length = (int)Math.Min(buffer.Length, Http2Preface.Length);
        Span<byte> start = stackalloc byte[Http2Preface.Length];
        buffer.Slice(0, length).CopyTo(start);
        if (!start[..length].SequenceEqual(Http2Preface[..length]))
        {
            return false;
        }

        return length == Http2Preface.Length ? true : ended ? false : null;
    }
}
