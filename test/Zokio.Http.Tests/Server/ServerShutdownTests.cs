using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Graceful shutdown on Zokio's server, with the same assertions on Kestrel (Sockets): stopping the host closes idle
/// keep-alive connections at once, lets the request in flight finish (its response says <c>Connection: close</c>),
/// and then completes.
/// </summary>
public sealed class ServerShutdownTests
{
    public static TheoryData<string> Servers => new("kestrel", "zokio-io_uring", "zokio-epoll");

    [Theory, MemberData(nameof(Servers))]
    public async Task Stopping_closes_idle_connections_and_finishes_the_request_in_flight(string server)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplicationBuilder builder = server switch
        {
            "kestrel" => TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Enabled=false"]),
            "zokio-io_uring" => TestHost.CreateZokioBuilder(LoopBackendKind.IoUring, args: ["--Zokio:Server=Zokio"]),
            _ => TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Server=Zokio"]),
        };
        WebApplication app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/slow")
            {
                started.TrySetResult();
                await release.Task;
            }

            context.Response.ContentLength = 4;
            await context.Response.WriteAsync("done");
        });
        await using TestHost host = await TestHost.StartAsync(app);
        var endPoint = new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port);
        using Socket idle = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using Socket busy = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(endPoint);
        await busy.ConnectAsync(endPoint);
        await idle.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.EndsWith("done", await ReceiveAsync(idle, untilEnd: false));
        await busy.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await started.Task.WaitAsync(TestHost.Timeout);

        Task stopping = host.StopAsync();

        // The idle connection ends without a response; the busy one is still being served.
        Assert.Equal("", await ReceiveAsync(idle, untilEnd: true));
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        string response = await ReceiveAsync(busy, untilEnd: true);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("Connection: close\r\n", response);
        Assert.EndsWith("done", response);
        await stopping.WaitAsync(TestHost.Timeout);
    }

    /// <summary>Reads one response (or, with <paramref name="untilEnd"/>, everything until the server closes).</summary>
    private static async Task<string> ReceiveAsync(Socket socket, bool untilEnd)
    {
        using var timeout = new CancellationTokenSource(TestHost.Timeout);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (untilEnd || !received.ToString().EndsWith("done", StringComparison.Ordinal))
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }
}
