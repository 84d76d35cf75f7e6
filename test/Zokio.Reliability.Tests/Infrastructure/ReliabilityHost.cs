using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zokio.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Reliability.Tests;

/// <summary>Settings both transports have, applied to whichever one serves.</summary>
internal sealed class TransportSettings
{
    public bool FinOnError { get; set; }

    public long? MaxReadBufferSize { get; set; }

    public long? MaxWriteBufferSize { get; set; }
}

/// <summary>An app in this process on a loopback port the kernel chose, served by Zokio (two loops) or by Sockets.</summary>
internal sealed class ReliabilityHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = Backends.Timeout;

    private ReliabilityHost(WebApplication app, int port)
    {
        App = app;
        Port = port;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>
    /// A builder whose Kestrel listens on 127.0.0.1:0 with <paramref name="protocols"/> through <paramref name="transport"/>;
    /// <paramref name="listen"/> adds connection middleware.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(
        ServerTransport transport,
        Action<TransportSettings>? configure = null,
        HttpProtocols protocols = HttpProtocols.Http1,
        Action<ListenOptions>? listen = null)
    {
        TransportSettings settings = new();
        configure?.Invoke(settings);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(new ServedBy(transport));
        TestHost.ConfigureLogging(builder);

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, options =>
        {
            options.Protocols = protocols;
            listen?.Invoke(options);
        }));
        if (transport == ServerTransport.Sockets)
        {
            builder.WebHost.UseSockets(sockets =>
            {
                SetSocketsFinOnError(sockets, settings.FinOnError);
                sockets.MaxReadBufferSize = settings.MaxReadBufferSize ?? sockets.MaxReadBufferSize;
                sockets.MaxWriteBufferSize = settings.MaxWriteBufferSize ?? sockets.MaxWriteBufferSize;
            });
        }
        else
        {
            builder.WebHost.UseZokio(zokio =>
            {
                zokio.Backend = transport == ServerTransport.IoUring ? LoopBackendKind.IoUring : LoopBackendKind.Epoll;
                zokio.LoopCount = 2;
                zokio.FinOnError = settings.FinOnError;
                zokio.MaxReadBufferSize = settings.MaxReadBufferSize ?? zokio.MaxReadBufferSize;
                zokio.MaxWriteBufferSize = settings.MaxWriteBufferSize ?? zokio.MaxWriteBufferSize;
            });
        }

        return builder;
    }

    /// <summary>
    /// Sockets' FinOnError is internal in .NET 10 (public code reaches it only through the process-wide AppContext switch
    /// "Microsoft.AspNetCore.Server.Kestrel.FinOnError", read once); set it on this one host's options, as Kestrel's own
    /// functional tests do.
    /// </summary>
    private static void SetSocketsFinOnError(SocketTransportOptions options, bool value) =>
        (typeof(SocketTransportOptions).GetProperty("FinOnError", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("SocketTransportOptions has no FinOnError property in this ASP.NET Core version."))
        .SetValue(options, value);

    public static async Task<ReliabilityHost> StartAsync(WebApplication app)
    {
        try
        {
            await app.StartAsync().WaitAsync(Timeout);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        ReliabilityHost host = new(app, new Uri(address).Port);
        if (app.Services.GetRequiredService<ServedBy>().Transport != ServerTransport.Sockets)
        {
            // Kestrel falls back to Sockets without a word for an endpoint Zokio declines: a Zokio row must not pass on Sockets.
            using ZokioMeterReader meter = new();
            long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
            using CancellationTokenSource timeout = new(Timeout);
            using (await RawConnection.ConnectAsync(host.Port, timeout.Token))
            {
            }

            await Eventually.EqualsAsync(true, () => meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepting the host's connections");
        }

        return host;
    }

    /// <summary>
    /// Watches for leaks from here on (<see cref="LeakCheck.StartAsync"/>): sockets and, on Zokio, pool blocks, once this
    /// host has served one connection, so state made lazily on the first one is part of the baseline.
    /// </summary>
    public Task<LeakCheck> StartLeakCheckAsync() =>
        LeakCheck.StartAsync(poolMemory: App.Services.GetRequiredService<ServedBy>().Transport != ServerTransport.Sockets, async () =>
        {
            using CancellationTokenSource timeout = new(Timeout);
            using RawConnection warmUp = await RawConnection.ConnectAsync(Port, timeout.Token);
            await warmUp.SendAsync("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", timeout.Token);
            await warmUp.ReadToEndAsync(timeout.Token);
        });

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Graceful for a few seconds, then Kestrel aborts what is left: a connection a failed test left hanging must
            // not hide that test's own failure behind a stop timeout.
            using CancellationTokenSource graceful = new(TimeSpan.FromSeconds(5));
            await App.StopAsync(graceful.Token).WaitAsync(Timeout);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}

/// <summary>Which transport a test host was built for, so starting it can check that transport serves.</summary>
internal sealed record ServedBy(ServerTransport Transport);
