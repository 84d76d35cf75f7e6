using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>A real ASP.NET Core app on a loopback port chosen by the kernel; stopped and disposed at the end of a test.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private TestHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>
    /// A builder whose Kestrel listens on 127.0.0.1:0 with <paramref name="protocols"/>. <paramref name="args"/> are
    /// the command line, as an operator would pass them (<c>--Zokio:Enabled=false</c>).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[]? args = null, HttpProtocols protocols = HttpProtocols.Http1, X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args ?? []);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("ZOKIO_TEST_LOGS") == "1")
        {
            // For diagnosing a failure: the hosts' logs (Zokio's stall and hand-off warnings included) on the console.
            builder.Logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug);
        }
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

    public static async Task<TestHost> StartAsync(WebApplication app)
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

        return new TestHost(app, new Uri(app.Urls.Single()));
    }

    /// <summary>
    /// What a hand-off test's handler answers when it runs on the thread pool instead of a loop thread (while an earlier
    /// hand-off's thread has not left, say): it blocks no loop there, so the client asks again.
    /// </summary>
    public const string Diverted = "diverted";

    /// <summary>Sends <paramref name="request"/> until its handler ran on a loop (answered other than <see cref="Diverted"/>); returns that answer.</summary>
    public static async Task<string> AskOnLoopAsync(Func<Task<string>> request, CancellationToken cancellationToken)
    {
        string answer;
        while ((answer = await request().WaitAsync(cancellationToken)) == Diverted)
        {
            await Task.Delay(10, cancellationToken);
        }

        return answer;
    }

    /// <summary>
    /// Sends <paramref name="request"/> until its handler has started on a loop (<paramref name="started"/> completes)
    /// rather than answering <see cref="Diverted"/>; returns that request, still running.
    /// </summary>
    public static async Task<Task<string>> StartOnLoopAsync(Func<Task<string>> request, Task started, CancellationToken cancellationToken)
    {
        Task<string> pending = request();
        while (await Task.WhenAny(pending, started).WaitAsync(cancellationToken) == pending)
        {
            Assert.Equal(Diverted, await pending);
            await Task.Delay(10, cancellationToken);
            pending = request();
        }

        return pending;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws when <paramref name="cancellationToken"/> fires first.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

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
    }
}
