using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Http;
using Zokio.Runtime.Loops;
using Zokio.Transport;

namespace Zokio.Testing;

/// <summary>
/// A real ASP.NET Core app on a loopback port chosen by the kernel; stopped and disposed at the end of a test. Built
/// the way an application is (<see cref="CreateZokioBuilder"/>: <c>UseZokio</c>), or with a
/// <see cref="ZokioTransportFactory"/> the test owns as Kestrel's only transport (<see cref="StartAsync(LoopBackendKind, Action{WebApplication}, Action{ZokioTransportOptions}?, Action{KestrelServerOptions}?)"/>),
/// whose pools must have every block back when the host is disposed.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = Backends.Timeout;

    private readonly ZokioTransportFactory? _factory;

    private TestHost(WebApplication app, ZokioTransportFactory? factory)
    {
        App = app;
        _factory = factory;
    }

    public WebApplication App { get; }

    public Uri BaseAddress => new(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>The transport factory this host was started with (<see cref="StartAsync(LoopBackendKind, Action{WebApplication}, Action{ZokioTransportOptions}?, Action{KestrelServerOptions}?)"/> only).</summary>
    public ZokioTransportFactory Factory => _factory ?? throw new InvalidOperationException("This host was built with UseZokio; its transport factory belongs to the app's container.");

    public EventLoopGroup Loops => Factory.Loops;

    /// <summary>
    /// A builder whose Kestrel listens on 127.0.0.1:0 with <paramref name="protocols"/>. <paramref name="args"/> are
    /// the command line, as an operator would pass them (<c>--Zokio:Enabled=false</c>).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[]? args = null, HttpProtocols protocols = HttpProtocols.Http1, X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args ?? []);
        ConfigureLogging(builder);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = protocols;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        return builder;
    }

    /// <summary><see cref="CreateBuilder"/> with Zokio on <paramref name="backend"/> and two loops.</summary>
    public static WebApplicationBuilder CreateZokioBuilder(LoopBackendKind backend, string[]? args = null, HttpProtocols protocols = HttpProtocols.Http1, X509Certificate2? certificate = null, Action<ZokioOptions>? configure = null)
    {
        WebApplicationBuilder builder = CreateBuilder(args, protocols, certificate);
        builder.WebHost.UseZokio(options =>
        {
            options.Backend = backend;
            options.LoopCount = 2;
            configure?.Invoke(options);
        });
        return builder;
    }

    /// <summary>
    /// No log output, unless ZOKIO_TEST_LOGS=1 asks for the hosts' logs (Zokio's stall and hand-off warnings included)
    /// on the console, for diagnosing a failure.
    /// </summary>
    public static void ConfigureLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("ZOKIO_TEST_LOGS") == "1")
        {
            builder.Logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug);
        }
    }

    public static Task<TestHost> StartAsync(WebApplication app) => StartAsync(app, factory: null);

    /// <summary>
    /// A slim app on 127.0.0.1:0 (or as <paramref name="kestrel"/> listens) served by a <see cref="ZokioTransportFactory"/>
    /// on <paramref name="backend"/> with two loops; <paramref name="map"/> adds its endpoints.
    /// </summary>
    public static Task<TestHost> StartAsync(
        LoopBackendKind backend,
        Action<WebApplication> map,
        Action<ZokioTransportOptions>? configure = null,
        Action<KestrelServerOptions>? kestrel = null)
    {
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 2, RingEntries = 256 };
        configure?.Invoke(options);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        ConfigureLogging(builder);
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
        return StartAsync(app, factory);
    }

    private static async Task<TestHost> StartAsync(WebApplication app, ZokioTransportFactory? factory)
    {
        try
        {
            await app.StartAsync().WaitAsync(Timeout);
        }
        catch
        {
            await app.DisposeAsync();
            if (factory is not null)
            {
                await factory.DisposeAsync();
            }

            throw;
        }

        return new TestHost(app, factory);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync().WaitAsync(Timeout);
        }
        finally
        {
            // Also after a stop that failed: a host left undisposed keeps its loop threads, which later tests would see.
            await App.DisposeAsync().AsTask().WaitAsync(Timeout);
        }

        if (_factory is not null)
        {
            // The app's container owns a factory only when it created it; this one was handed in, so stop it here.
            long outstanding = _factory.Loops.OutstandingMemoryBlocks;
            await _factory.DisposeAsync();
            Assert.Equal(0, outstanding);
        }
    }
}
