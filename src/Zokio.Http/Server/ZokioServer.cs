using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Zokio.Http.Server;

/// <summary>
/// The app's <see cref="IServer"/> with Zokio: with <c>Zokio:Server=Zokio</c>, Zokio's HTTP/1.1 server, with Kestrel
/// (on Zokio's transport) inside it for the endpoints and protocols Zokio does not serve itself; otherwise Kestrel
/// alone. Both run the same application; Kestrel binds every endpoint and hands Zokio the connections it serves
/// (<see cref="KestrelEndpointHook"/>).
/// </summary>
internal sealed class ZokioServer(
    IServer kestrel, Http1Server http1, KestrelEndpointHook hook, IOptions<KestrelServerOptions> kestrelOptions, IOptions<ZokioOptions> options) : IServer
{
    /// <summary>Kestrel's features: the bound addresses (<c>IServerAddressesFeature</c>) are the app's.</summary>
    public IFeatureCollection Features => kestrel.Features;

    /// <summary>Kestrel, for what Zokio's server delegates.</summary>
    public IServer Kestrel => kestrel;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        ZokioOptions settings = options.Value;
        if (!settings.Enabled || settings.Server != ZokioServerKind.Zokio)
        {
            return kestrel.StartAsync(application, cancellationToken);
        }

        http1.Start(application);
        hook.ServeConfiguredTlsEndpoints(kestrelOptions.Value);
        return StartBothAsync(application, cancellationToken);
    }

    private async Task StartBothAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        await kestrel.StartAsync(application, cancellationToken).ConfigureAwait(false);
        http1.LogEndpoints();
    }

    /// <summary>
    /// Kestrel's graceful stop covers both servers: it stops accepting, asks every connection to close (Zokio's close
    /// when idle, or after the response in flight), waits until the host's shutdown timeout, then aborts the rest.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => kestrel.StopAsync(cancellationToken);

    public void Dispose()
    {
        kestrel.Dispose();
        http1.Dispose();
    }
}
