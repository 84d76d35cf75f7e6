using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Zokio.Runtime.Loops;

namespace Zokio.Workloads.Tests;

public class WebSocketEchoTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_sample_echo_closes_with_the_clients_status_and_reason(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(SampleApp.Create(backend, connectionString: null));
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        using ClientWebSocket client = new();
        await client.ConnectAsync(new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri, timeout.Token);

        byte[] message = Encoding.UTF8.GetBytes("zokio");
        await client.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        byte[] buffer = new byte[64];
        ValueWebSocketReceiveResult echoed = await client.ReceiveAsync(buffer.AsMemory(), timeout.Token);
        Assert.Equal("zokio", Encoding.UTF8.GetString(buffer, 0, echoed.Count));

        // Not 1000: an echo that always answers NormalClosure would pass with it.
        await client.CloseAsync((WebSocketCloseStatus)4321, "client going away", timeout.Token);
        Assert.Equal((WebSocketCloseStatus)4321, client.CloseStatus);
        Assert.Equal("client going away", client.CloseStatusDescription);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_sample_echo_answers_a_close_without_status_with_a_normal_closure(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(SampleApp.Create(backend, connectionString: null));
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        // Raw frames: ClientWebSocket cannot send a close frame without a status code.
        using Socket socket = new(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port, timeout.Token);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /ws HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"), timeout.Token);
        string handshake = Encoding.ASCII.GetString(await ReceiveUntilAsync(socket, "\r\n\r\n"u8.ToArray(), timeout.Token));
        Assert.StartsWith("HTTP/1.1 101", handshake, StringComparison.Ordinal);

        // FIN + close, masked, no payload (RFC 6455 5.5.1: the status code is optional).
        await socket.SendAsync(new byte[] { 0x88, 0x80, 0x12, 0x34, 0x56, 0x78 }, timeout.Token);
        // Status 1005 (no status) must never be sent on the wire, so the answer is 1000 (0x03E8), unmasked.
        Assert.Equal([0x88, 0x02, 0x03, 0xE8], await ReceiveUntilAsync(socket, [0x03, 0xE8], timeout.Token));
    }

    // Everything the server sent up to and including the first occurrence of end.
    private static async Task<byte[]> ReceiveUntilAsync(Socket socket, byte[] end, CancellationToken cancellationToken)
    {
        List<byte> received = [];
        byte[] buffer = new byte[1];
        while (received.Count < end.Length || !received[^end.Length..].SequenceEqual(end))
        {
            Assert.Equal(1, await socket.ReceiveAsync(buffer, cancellationToken));
            received.Add(buffer[0]);
        }

        return [.. received];
    }
}
