using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

public class HttpTests : IClassFixture<LeakCheck>
{
    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private static void MapBasics(WebApplication app)
    {
        app.MapGet("/plaintext", () => "Hello, World!");
        app.MapPost("/echo", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            await ctx.Request.Body.CopyToAsync(ctx.Response.Body);
        });
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Http1_get_is_served_through_zokio(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, MapBasics);
        using HttpClient client = new() { BaseAddress = host.BaseAddress };
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
        }

        Assert.True(host.Loops.Loops.Sum(l => LoopSnapshot.Capture(l).ConnectionsAccepted) >= 1);
        Assert.Equal(backend, host.Loops.Backend);
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(Backends))]
    public async Task H2c_requests_are_served_through_zokio(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, MapBasics, kestrel: k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        using HttpClient client = new() { BaseAddress = host.BaseAddress, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/plaintext")));
        Assert.All(bodies, b => Assert.Equal("Hello, World!", b));
        using HttpResponseMessage response = await client.GetAsync("/plaintext");
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_thousand_concurrent_connections_each_make_requests(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, MapBasics, o => o.Backlog = 2048);
        const int Connections = 1000;
        // One handler per connection: each HttpClient keeps its own keep-alive connection.
        HttpClient[] clients = [.. Enumerable.Range(0, Connections).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = host.BaseAddress })];
        try
        {
            await Task.WhenAll(clients.Select(async client =>
            {
                for (int i = 0; i < 3; i++)
                {
                    Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
                }
            })).WaitAsync(Timeout);
            Assert.True(host.Loops.Loops.Sum(l => LoopSnapshot.Capture(l).ConnectionsAccepted) >= Connections);
            Assert.All(host.Loops.Loops, l => Assert.True(LoopSnapshot.Capture(l).ConnectionsAccepted > 0, $"Loop {l.Index} accepted nothing: the listeners do not spread connections."));
        }
        finally
        {
            foreach (HttpClient client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_64_MiB_post_is_echoed_byte_for_byte(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, MapBasics, kestrel: k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
        });
        byte[] payload = new byte[64 * 1024 * 1024];
        new Random(42).NextBytes(payload);

        // A raw client that sends and receives at once: the echo flows back while the body still goes out.
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        await using NetworkStream stream = new(client);
        byte[] head = Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n");
        Task sending = Task.Run(async () =>
        {
            await stream.WriteAsync(head);
            await stream.WriteAsync(payload);
        });
        MemoryStream response = new();
        await stream.CopyToAsync(response).WaitAsync(Timeout);
        await sending.WaitAsync(Timeout);

        byte[] echoed = DecodeChunkedBody(response.ToArray());
        Assert.Equal(payload.Length, echoed.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    /// <summary>The body of an HTTP/1.1 response with Transfer-Encoding: chunked.</summary>
    private static byte[] DecodeChunkedBody(byte[] response)
    {
        ReadOnlySpan<byte> rest = response;
        int headerEnd = rest.IndexOf("\r\n\r\n"u8);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(rest[..headerEnd]));
        rest = rest[(headerEnd + 4)..];
        MemoryStream body = new();
        while (true)
        {
            int lineEnd = rest.IndexOf("\r\n"u8);
            int size = Convert.ToInt32(Encoding.ASCII.GetString(rest[..lineEnd]).Split(';')[0], 16);
            rest = rest[(lineEnd + 2)..];
            if (size == 0)
            {
                return body.ToArray();
            }

            body.Write(rest[..size]);
            rest = rest[(size + 2)..];
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_slow_reader_keeps_server_memory_bounded(LoopBackendKind backend)
    {
        const int BodySize = 32 * 1024 * 1024;
        TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestHost host = await TestHost.StartAsync(backend, app => app.MapGet("/big", async (HttpContext ctx) =>
        {
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < BodySize; sent += chunk.Length)
            {
                await ctx.Response.Body.WriteAsync(chunk);
            }

            finished.TrySetResult();
        }));

        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveBufferSize = 64 * 1024;
        await client.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
        byte[] buffer = new byte[16 * 1024];
        long received = 0;
        long peakBlocks = 0;
        // Read a little at a time; the server must wait for us instead of buffering the whole body.
        for (int i = 0; i < 64; i++)
        {
            received += await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
            peakBlocks = Math.Max(peakBlocks, host.Loops.OutstandingMemoryBlocks);
        }

        Assert.False(finished.Task.IsCompleted, "The handler wrote 32 MiB to a client that had read about 1 MiB: nothing pushed back.");
        // MaxWriteBufferSize (64 KiB) plus a few in-flight blocks: far below the 8192 blocks of the whole body.
        Assert.True(peakBlocks < 256, $"The server held {peakBlocks} blocks of 4 KiB for a slow reader.");
        while (received < BodySize)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
            Assert.NotEqual(0, n);
            received += n;
        }

        await finished.Task.WaitAsync(Timeout);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_client_reset_mid_body_fails_the_request_read_and_the_server_keeps_serving(LoopBackendKind backend)
    {
        TaskCompletionSource<Exception> observed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestHost host = await TestHost.StartAsync(backend, app =>
        {
            MapBasics(app);
            app.MapPost("/upload", async (HttpContext ctx) =>
            {
                started.TrySetResult();
                try
                {
                    await ctx.Request.Body.CopyToAsync(Stream.Null);
                    observed.TrySetException(new InvalidOperationException("The body ended normally."));
                }
                catch (Exception ex)
                {
                    observed.TrySetResult(ex);
                }
            });
        });

        using (Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + new string('a', 1000)));
            await started.Task.WaitAsync(Timeout);
            client.LingerState = new LingerOption(true, 0);
        }

        Exception error = await observed.Task.WaitAsync(Timeout);
        Assert.True(error is IOException or ConnectionResetException or Microsoft.AspNetCore.Http.BadHttpRequestException or OperationCanceledException, error.ToString());
        using HttpClient http = new() { BaseAddress = host.BaseAddress };
        Assert.Equal("Hello, World!", await http.GetStringAsync("/plaintext"));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Server_side_abort_ends_the_clients_request_with_an_error(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, app =>
        {
            MapBasics(app);
            app.MapGet("/abort", (HttpContext ctx) => ctx.Abort());
        });
        using HttpClient client = new() { BaseAddress = host.BaseAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/abort"));
        Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Graceful_shutdown_finishes_in_flight_requests(LoopBackendKind backend)
    {
        TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestHost host = await TestHost.StartAsync(backend, app => app.MapGet("/slow", async () =>
        {
            entered.TrySetResult();
            await release.Task;
            return "done";
        }));
        using HttpClient client = new() { BaseAddress = host.BaseAddress };
        Task<string> request = client.GetStringAsync("/slow");
        await entered.Task.WaitAsync(Timeout);
        Task stopping = host.StopAsync();
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        Assert.Equal("done", await request.WaitAsync(Timeout));
        await stopping.WaitAsync(Timeout);
    }
}
