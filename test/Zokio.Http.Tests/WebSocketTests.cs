using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

public class WebSocketTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task WebSocket_messages_are_echoed_through_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        WebApplication app = TestHost.CreateZokioBuilder(backend).Build();
        app.UseWebSockets();
        app.Map("/ws", static async (HttpContext context) =>
        {
            using WebSocket server = await context.WebSockets.AcceptWebSocketAsync();
            byte[] buffer = new byte[4096];
            while (true)
            {
                ValueWebSocketReceiveResult received = await server.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await server.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        });
        await using TestHost host = await TestHost.StartAsync(app);

        using CancellationTokenSource timeout = new(TestHost.Timeout);
        using ClientWebSocket client = new();
        await client.ConnectAsync(new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri, timeout.Token);
        foreach (string text in new[] { "hello", "zokio", new string('x', 20_000) })
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            Assert.Equal(text, await ReceiveTextAsync(client, timeout.Token));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using MemoryStream message = new();
        byte[] buffer = new byte[4096];
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            Assert.Equal(WebSocketMessageType.Text, received.MessageType);
            message.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);

        return Encoding.UTF8.GetString(message.ToArray());
    }
}
