using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zokio.Http.Server;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Who serves what with <c>Zokio:Server=Zokio</c>: HTTP/1.1 by Zokio's server (<c>Server: Zokio</c>), everything else
/// by Kestrel on Zokio's transport in the same process (<c>Server: Kestrel</c>), endpoints from configuration, URLs or
/// code, and the start-up log naming the server of each endpoint.
/// </summary>
public sealed class ServerEndpointTests
{
    [Fact]
    public void The_Kestrel_internals_the_endpoint_hook_reads_still_exist()
    {
        // If Kestrel renames them, Zokio:Server=Zokio fails at start with a message; this says why first.
        Assert.NotNull(KestrelEndpointHook.CodeBackedListenOptions);
        Assert.NotNull(KestrelEndpointHook.EndpointDefaults);
        Assert.NotNull(KestrelEndpointHook.IsTls);
        Assert.NotNull(KestrelEndpointHook.ConfigurationBackedListenOptions);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_samples_configuration_serves_HTTP1_with_Zokio_and_h2c_with_Kestrel(LoopBackendKind backend)
    {
        int h1 = FreePort(), h2c = FreePort();
        using var logs = new CapturingLoggerProvider(LogLevel.Information);
        WebApplication app = BuildFromConfiguration(logs,
            "--Zokio:Server=Zokio", $"--Zokio:Backend={backend}", "--Zokio:LoopCount=2",
            $"--Kestrel:Endpoints:h1:Url=http://127.0.0.1:{h1}", "--Kestrel:Endpoints:h1:Protocols=Http1",
            $"--Kestrel:Endpoints:h2c:Url=http://127.0.0.1:{h2c}", "--Kestrel:Endpoints:h2c:Protocols=Http2");
        app.MapGet("/", (HttpContext context) => context.Request.Protocol);
        await using TestHost host = await TestHost.StartAsync(app);

        (string server, string body) = await GetAsync($"http://127.0.0.1:{h1}/", HttpVersion.Version11);
        Assert.Equal(("Zokio", "HTTP/1.1"), (server, body));
        (server, body) = await GetAsync($"http://127.0.0.1:{h2c}/", HttpVersion.Version20);
        Assert.Equal(("Kestrel", "HTTP/2"), (server, body));

        string[] lines = logs.Messages.Where(m => m.Category == "Zokio.Http.Server").Select(m => m.Message).ToArray();
        Assert.Contains($"http://127.0.0.1:{h1}: HTTP/1.1 is served by Zokio's server.", lines);
        Assert.Contains(lines, line => line.StartsWith($"http://127.0.0.1:{h2c}: served by Kestrel on Zokio's transport", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_cleartext_HTTP1_and_HTTP2_endpoint_leaves_HTTP2_prior_knowledge_to_Kestrel(LoopBackendKind backend)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Server=Zokio"], protocols: HttpProtocols.Http1AndHttp2).Build();
        app.MapGet("/", (HttpContext context) => context.Request.Protocol);
        await using TestHost host = await TestHost.StartAsync(app);

        Assert.Equal(("Zokio", "HTTP/1.1"), await GetAsync(host.BaseAddress.ToString(), HttpVersion.Version11));
        // Kestrel refuses the HTTP/2 preface on such an endpoint (cleartext HTTP/2 needs an HTTP/2-only endpoint), with
        // or without Zokio's server in front: a GOAWAY with HTTP_1_1_REQUIRED, then the end of the connection, which the
        // client may see first.
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(host.BaseAddress.ToString(), HttpVersion.Version20));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_TLS_endpoint_in_code_serves_HTTP1_with_Zokio_and_h2_by_ALPN_with_Kestrel(LoopBackendKind backend)
    {
        using X509Certificate2 certificate = TestCertificate.Create();
        WebApplication app = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Server=Zokio"], protocols: HttpProtocols.Http1AndHttp2, certificate: certificate).Build();
        app.MapGet("/", (HttpContext context) => $"{context.Request.Protocol} {context.Request.Scheme} {context.Features.Get<ITlsConnectionFeature>() is not null}");
        await using TestHost host = await TestHost.StartAsync(app);

        Assert.Equal(("Zokio", "HTTP/1.1 https True"), await GetAsync(host.BaseAddress.ToString(), HttpVersion.Version11, certificate));
        Assert.Equal(("Kestrel", "HTTP/2 https True"), await GetAsync(host.BaseAddress.ToString(), HttpVersion.Version20, certificate));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_TLS_endpoint_from_configuration_serves_HTTP1_with_Zokio_and_h2_by_ALPN_with_Kestrel(LoopBackendKind backend)
    {
        using X509Certificate2 certificate = TestCertificate.Create();
        string pfx = Path.Combine(Path.GetTempPath(), $"zokio-test-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));
        try
        {
            int port = FreePort();
            using var logs = new CapturingLoggerProvider(LogLevel.Information);
            WebApplication app = BuildFromConfiguration(logs,
                "--Zokio:Server=Zokio", $"--Zokio:Backend={backend}",
                $"--Kestrel:Endpoints:tls:Url=https://127.0.0.1:{port}", "--Kestrel:Endpoints:tls:Protocols=Http1AndHttp2",
                $"--Kestrel:Endpoints:tls:Certificate:Path={pfx}", "--Kestrel:Endpoints:tls:Certificate:Password=secret");
            app.MapGet("/", (HttpContext context) => $"{context.Request.Protocol} {context.Request.Scheme} {context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>() is not null}");
            await using TestHost host = await TestHost.StartAsync(app);

            string url = $"https://127.0.0.1:{port}/";
            Assert.Equal(("Zokio", "HTTP/1.1 https True"), await GetAsync(url, HttpVersion.Version11, certificate));
            Assert.Equal(("Kestrel", "HTTP/2 https True"), await GetAsync(url, HttpVersion.Version20, certificate));
            string[] lines = logs.Messages.Where(m => m.Category == "Zokio.Http.Server").Select(m => m.Message).ToArray();
            Assert.Contains(lines, line => line.StartsWith($"https://127.0.0.1:{port}: HTTP/1.1 is served by Zokio's server (over TLS)", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, line => line.Contains("Kestrel's for now", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public async Task With_Zokio_disabled_Kestrel_on_Sockets_serves_everything()
    {
        WebApplication app = TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Server=Zokio", "--Zokio:Enabled=false"]).Build();
        app.MapGet("/", () => "ok");
        await using TestHost host = await TestHost.StartAsync(app);

        Assert.Equal(("Kestrel", "ok"), await GetAsync(host.BaseAddress.ToString(), HttpVersion.Version11));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task AddServerHeader_false_leaves_the_Server_header_out(LoopBackendKind backend)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Server=Zokio"]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        WebApplication app = builder.Build();
        app.MapGet("/", () => "ok");
        await using TestHost host = await TestHost.StartAsync(app);

        Assert.Equal(("", "ok"), await GetAsync(host.BaseAddress.ToString(), HttpVersion.Version11));
        Assert.IsType<ZokioServer>(app.Services.GetRequiredService<IServer>());
    }

    [Theory]
    [InlineData(LoopBackendKind.IoUring, "Loop")]
    [InlineData(LoopBackendKind.Epoll, "Loop")]
    [InlineData(LoopBackendKind.IoUring, "ThreadPool")]
    [InlineData(LoopBackendKind.Epoll, "ThreadPool")]
    public async Task Requests_run_where_ApplicationScheduling_says(LoopBackendKind backend, string scheduling)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Server=Zokio", $"--Zokio:ApplicationScheduling={scheduling}"]).Build();
        app.MapGet("/", () => Thread.CurrentThread.IsThreadPoolThread ? "thread pool" : Thread.CurrentThread.Name ?? "unnamed");
        await using TestHost host = await TestHost.StartAsync(app);

        // The first request of a connection may start where Kestrel dispatched it (the thread pool); the next ones
        // run where the connection's bytes are read.
        using var client = new HttpClient { Timeout = TestHost.Timeout, BaseAddress = host.BaseAddress };
        await client.GetStringAsync("/");
        string thread = await client.GetStringAsync("/");

        if (scheduling == "Loop")
        {
            Assert.StartsWith("zokio-loop-", thread);
        }
        else
        {
            Assert.Equal("thread pool", thread);
        }
    }

    [Fact]
    public async Task With_only_the_hosting_startup_Zokio_Server_fails_the_start_saying_what_to_do()
    {
        // The hosting-startup assembly registers Zokio before Kestrel registers its server, so there is no server yet
        // to wrap: the start says how to turn Zokio's server on instead of silently serving with Kestrel.
        WebApplication app = TestHost.CreateBuilder(args: [$"--{WebHostDefaults.HostingStartupAssembliesKey}=Zokio.Http", "--Zokio:Server=Zokio"]).Build();
        app.MapGet("/", () => "ok");

        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(app));

        Assert.Contains("Zokio:Server=Zokio, but the app's server is KestrelServerImpl", refused.Message);
        Assert.Contains("call builder.WebHost.UseZokio() in Program.cs, or set Zokio:Server=Kestrel.", refused.Message);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task TraceIdentifier_is_the_connection_id_and_the_requests_number_on_it(ServerKind server)
    {
        WebApplication app = ServerKinds.CreateBuilder(server).Build();
        app.MapGet("/", (HttpContext context) => $"{context.Connection.Id} {context.TraceIdentifier}");
        await using TestHost host = await TestHost.StartAsync(app);
        using var client = new HttpClient { Timeout = TestHost.Timeout, BaseAddress = host.BaseAddress };

        string[] first = (await client.GetStringAsync("/")).Split(' ');
        string[] second = (await client.GetStringAsync("/")).Split(' ');

        Assert.Equal($"{first[0]}:00000001", first[1]);
        Assert.Equal($"{first[0]}:00000002", second[1]);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task RequestHeaderEncodingSelector_decodes_the_values_it_names(ServerKind server)
    {
        WebApplicationBuilder builder = ServerKinds.CreateBuilder(server);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.RequestHeaderEncodingSelector = name => name == "X-Name" ? System.Text.Encoding.Latin1 : null);
        WebApplication app = builder.Build();
        app.MapGet("/", (HttpContext context) => $"{context.Request.Headers["X-Name"]}|{context.Request.Headers["X-Other"]}");
        await using TestHost host = await TestHost.StartAsync(app);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
        NetworkStream stream = client.GetStream();
        // "été" in Latin-1 for the named header, in UTF-8 for the other.
        byte[] request = [.. "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Name: "u8, 0xE9, (byte)'t', 0xE9, .. "\r\nX-Other: \u00e9t\u00e9\r\n\r\n"u8];
        await stream.WriteAsync(request);
        using var response = new MemoryStream();
        await stream.CopyToAsync(response).WaitAsync(TestHost.Timeout);

        string text = System.Text.Encoding.UTF8.GetString(response.ToArray());
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        // Kestrel sends the body chunked, Zokio with a Content-Length (both as Kestrel decides for a string result).
        Assert.Contains("\u00e9t\u00e9|\u00e9t\u00e9", text);
    }

    /// <summary>An app with Zokio whose endpoints come from configuration (the command line), its logs captured.</summary>
    private static WebApplication BuildFromConfiguration(CapturingLoggerProvider logs, params string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        TestHost.ConfigureLogging(builder);
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseZokio();
        return builder.Build();
    }

    private static async Task<(string Server, string Body)> GetAsync(string url, Version version, X509Certificate2? trusted = null)
    {
        using var handler = new SocketsHttpHandler();
        if (trusted is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trusted.GetCertHashString(),
            };
        }

        using var client = new HttpClient(handler) { Timeout = TestHost.Timeout, DefaultRequestVersion = version, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using HttpResponseMessage response = await client.GetAsync(url);
        Assert.Equal(version, response.Version);
        return (string.Join(",", response.Headers.Server.Select(s => s.ToString())), await response.Content.ReadAsStringAsync());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
