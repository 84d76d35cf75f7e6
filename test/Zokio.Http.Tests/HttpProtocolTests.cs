using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

public class HttpProtocolTests
{
    private static void MapPlaintextAndEcho(WebApplication app)
    {
        app.MapGet("/plaintext", () => Results.Text("Hello, World!", "text/plain"));
        app.MapPost("/echo", static async (HttpContext context) =>
        {
            context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Http1_get_and_post_echo_are_served_by_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        WebApplication app = TestHost.CreateZokioBuilder(backend).Build();
        MapPlaintextAndEcho(app);
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        using HttpResponseMessage get = await client.GetAsync("/plaintext");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpVersion.Version11, get.Version);
        Assert.Equal("text/plain", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(13, get.Content.Headers.ContentLength);
        Assert.Equal("Hello, World!", await get.Content.ReadAsStringAsync());

        // Larger than one 4 KiB pool block and than a typical socket read, so the body crosses several reads and sends.
        byte[] payload = RandomNumberGenerator.GetBytes(256 * 1024);
        using ByteArrayContent content = new(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-test");
        using HttpResponseMessage echo = await client.PostAsync("/echo", content);
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal("application/x-test", echo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(payload, await echo.Content.ReadAsByteArrayAsync());

        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Http2_cleartext_with_prior_knowledge_is_served_by_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        WebApplication app = TestHost.CreateZokioBuilder(backend, protocols: HttpProtocols.Http2).Build();
        MapPlaintextAndEcho(app);
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new()
        {
            BaseAddress = host.BaseAddress,
            Timeout = TestHost.Timeout,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // Concurrent streams multiplexed on one connection.
        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("/plaintext")));
        foreach (HttpResponseMessage response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpVersion.Version20, response.Version);
                Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
            }
        }

        byte[] payload = RandomNumberGenerator.GetBytes(100_000);
        using HttpResponseMessage echo = await client.PostAsync("/echo", new ByteArrayContent(payload));
        Assert.Equal(HttpVersion.Version20, echo.Version);
        Assert.Equal(payload, await echo.Content.ReadAsByteArrayAsync());

        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Http2_over_tls_negotiated_with_alpn_is_served_by_Zokio(LoopBackendKind backend)
    {
        using X509Certificate2 certificate = TestCertificate.Create();
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        // Both protocols offered, so HTTP/2 is chosen by ALPN during the handshake rather than fixed by the endpoint.
        WebApplication app = TestHost.CreateZokioBuilder(backend, protocols: HttpProtocols.Http1AndHttp2, certificate: certificate).Build();
        app.MapGet("/protocol", static (HttpContext context) => context.Request.Protocol);
        await using TestHost host = await TestHost.StartAsync(app);
        Assert.Equal("https", host.BaseAddress.Scheme);

        string expectedThumbprint = certificate.Thumbprint;
        using SocketsHttpHandler handler = new()
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, serverCertificate, _, _) =>
                    serverCertificate is not null && string.Equals(serverCertificate.GetCertHashString(), expectedThumbprint, StringComparison.OrdinalIgnoreCase),
            },
        };
        using HttpClient client = new(handler)
        {
            BaseAddress = host.BaseAddress,
            Timeout = TestHost.Timeout,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using HttpResponseMessage response = await client.GetAsync("/protocol");
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2", await response.Content.ReadAsStringAsync());
        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }
}
