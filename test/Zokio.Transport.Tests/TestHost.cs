using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>A real Kestrel server on loopback whose only transport is Zokio's.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHost(WebApplication app, ZokioTransportFactory factory)
    {
        _app = app;
        Factory = factory;
    }

    public ZokioTransportFactory Factory { get; }

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public EventLoopGroup Loops => Factory.Loops;

    public static async Task<TestHost> StartAsync(
        LoopBackendKind backend,
        Action<WebApplication> map,
        Action<ZokioTransportOptions>? configure = null,
        Action<KestrelServerOptions>? kestrel = null)
    {
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 2, RingEntries = 256 };
        configure?.Invoke(options);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ZokioTransportFactory factory = new(Options.Create(options), LoggerFactory.Create(_ => { }));
        builder.Services.AddSingleton<IConnectionListenerFactory>(factory);
        builder.WebHost.UseKestrel(k =>
        {
            if (kestrel is null)
            {
                k.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                kestrel(k);
            }
        });
        WebApplication app = builder.Build();
        map(app);
        await app.StartAsync();
        return new TestHost(app, factory);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        // The app's container owns the factory only when it created it; this one was handed in, so stop it here.
        long outstanding = Loops.OutstandingMemoryBlocks;
        await Factory.DisposeAsync();
        Assert.Equal(0, outstanding);
    }
}
