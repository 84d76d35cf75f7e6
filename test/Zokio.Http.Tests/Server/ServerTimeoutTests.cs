using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Kestrel's timeouts on Zokio's server, with the same assertions on Kestrel (Sockets): a head that takes longer than
/// RequestHeadersTimeout gets a 408 and the connection closes; a connection idle longer than KeepAliveTimeout (before
/// its first request or between two) is closed without a response. Both servers check on a once-a-second heartbeat,
/// so the assertions allow the timeout plus two seconds.
/// </summary>
public sealed class ServerTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    public static TheoryData<string> Servers => new("kestrel", "zokio-io_uring", "zokio-epoll");

    [Theory, MemberData(nameof(Servers))]
    public async Task A_head_slower_than_RequestHeadersTimeout_gets_408_and_the_connection_closes(string server)
    {
        await using TestHost host = await StartAsync(server);
        using Socket client = await ConnectAsync(host);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        string response = await ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", response);
        Assert.Contains("Connection: close\r\n", response);
    }

    [Theory, MemberData(nameof(Servers))]
    public async Task A_connection_idle_longer_than_KeepAliveTimeout_after_a_response_is_closed(string server)
    {
        await using TestHost host = await StartAsync(server);
        using Socket client = await ConnectAsync(host);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        string response = await ReadToEndAsync(client);

        // One response, then the end of the stream: nothing is written when the keep-alive timeout closes it.
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.EndsWith("\r\n\r\nok", response);
    }

    [Theory, MemberData(nameof(Servers))]
    public async Task A_connection_that_never_sends_is_closed_without_a_response(string server)
    {
        await using TestHost host = await StartAsync(server);
        using Socket client = await ConnectAsync(host);

        Assert.Equal("", await ReadToEndAsync(client));
    }

    [Theory, MemberData(nameof(Servers))]
    public async Task A_request_body_slower_than_MinRequestBodyDataRate_gets_408(string server)
    {
        await using TestHost host = await StartAsync(server, kestrel => kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(100, TimeSpan.FromSeconds(2)));
        using Socket client = await ConnectAsync(host);

        // Five bytes of a hundred, then nothing: the app waits in its body read.
        await client.SendAsync("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello"u8.ToArray());
        string response = await ReadToEndAsync(client, TimeSpan.FromSeconds(4));

        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", response);
    }

    [Theory, MemberData(nameof(Servers))]
    public async Task A_client_reading_slower_than_MinResponseDataRate_is_cut_off(string server)
    {
        await using TestHost host = await StartAsync(server, kestrel => kestrel.Limits.MinResponseDataRate = new MinDataRate(1024 * 1024, TimeSpan.FromSeconds(2)));
        using Socket client = await ConnectAsync(host);
        client.ReceiveBufferSize = 4096;

        await client.SendAsync("GET /large HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        // Not reading: the server's sends back up, and after the grace period the rate is far below a megabyte a second.
        await Task.Delay(TimeSpan.FromSeconds(5));
        int received = (await ReadToEndAsync(client, TimeSpan.FromSeconds(10))).Length;

        Assert.True(received < LargeResponse, $"{received} of {LargeResponse} bytes arrived: the response was not cut off.");
    }

    private const int LargeResponse = 64 * 1024 * 1024;

    private static async Task<TestHost> StartAsync(string server, Action<KestrelServerOptions>? limits = null)
    {
        WebApplicationBuilder builder = server switch
        {
            "kestrel" => TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Enabled=false"]),
            "zokio-io_uring" => TestHost.CreateZokioBuilder(LoopBackendKind.IoUring, args: ["--Zokio:Server=Zokio"]),
            _ => TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Server=Zokio"]),
        };
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.KeepAliveTimeout = Limit;
            kestrel.Limits.RequestHeadersTimeout = Limit;
            limits?.Invoke(kestrel);
        });
        WebApplication app = builder.Build();
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/read":
                    await context.Request.Body.CopyToAsync(Stream.Null);
                    break;
                case "/large":
                    context.Response.ContentLength = LargeResponse;
                    var chunk = new byte[64 * 1024];
                    for (int sent = 0; sent < LargeResponse; sent += chunk.Length)
                    {
                        await context.Response.Body.WriteAsync(chunk);
                    }

                    break;
                default:
                    context.Response.ContentLength = 2;
                    await context.Response.WriteAsync("ok");
                    break;
            }
        });
        return await TestHost.StartAsync(app);
    }

    private static async Task<Socket> ConnectAsync(TestHost host)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port));
        return client;
    }

    /// <summary>
    /// Everything the server sends until it closes, which it must do within the limit, plus the heartbeat's second, plus
    /// slack for a loaded machine.
    /// </summary>
    private static async Task<string> ReadToEndAsync(Socket client, TimeSpan? limit = null)
    {
        using var deadline = new CancellationTokenSource((limit ?? Limit) + TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(5));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
