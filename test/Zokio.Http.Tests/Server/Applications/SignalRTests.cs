using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>A SignalR hub on every server kind, through the SignalR client over WebSockets, server-sent events and long polling.</summary>
public class SignalRTests
{
    public static TheoryData<ServerKind, HttpTransportType> KindsAndTransports =>
        ServerKinds.With(HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling);

    [Theory, MemberData(nameof(KindsAndTransports))]
    public async Task Hub_methods_answer(ServerKind kind, HttpTransportType transport)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        await using HubConnection connection = await ConnectAsync(app, transport);

        Assert.Equal("echo: hello", await connection.InvokeAsync<string>(nameof(ChatHub.Echo), "hello"));
        // Under the hub's 32 KiB message limit, above one receive buffer.
        string large = new('z', 20_000);
        Assert.Equal($"echo: {large}", await connection.InvokeAsync<string>(nameof(ChatHub.Echo), large));
    }

    [Theory, MemberData(nameof(KindsAndTransports))]
    public async Task A_server_to_client_stream_arrives_in_order(ServerKind kind, HttpTransportType transport)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        await using HubConnection connection = await ConnectAsync(app, transport);
        using CancellationTokenSource timeout = new(TestHost.Timeout);

        List<int> received = [];
        await foreach (int value in connection.StreamAsync<int>(nameof(ChatHub.Count), 50, timeout.Token))
        {
            received.Add(value);
        }

        Assert.Equal(Enumerable.Range(1, 50), received);
    }

    [Theory, MemberData(nameof(KindsAndTransports))]
    public async Task A_group_message_reaches_every_member_and_no_one_else(ServerKind kind, HttpTransportType transport)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        await using HubConnection first = await ConnectAsync(app, transport);
        await using HubConnection second = await ConnectAsync(app, transport);
        await using HubConnection outsider = await ConnectAsync(app, transport);
        Channel<string> firstReceived = Receive(first);
        Channel<string> secondReceived = Receive(second);
        Channel<string> outsiderReceived = Receive(outsider);
        await first.InvokeAsync(nameof(ChatHub.Join), "room");
        await second.InvokeAsync(nameof(ChatHub.Join), "room");
        using CancellationTokenSource timeout = new(TestHost.Timeout);

        await outsider.InvokeAsync(nameof(ChatHub.SendToGroup), "room", "hi room");

        string expected = $"{outsider.ConnectionId}: hi room";
        Assert.Equal(expected, await firstReceived.Reader.ReadAsync(timeout.Token));
        Assert.Equal(expected, await secondReceived.Reader.ReadAsync(timeout.Token));
        // The group send had gone out before SendToGroup returned, and a connection's messages arrive in order: had the
        // outsider been sent the message, it would be there before the answer to this call.
        Assert.Equal("echo: after", await outsider.InvokeAsync<string>(nameof(ChatHub.Echo), "after"));
        Assert.False(outsiderReceived.Reader.TryRead(out string? leaked), $"the outsider received {leaked}");
    }

    private static async Task<HubConnection> ConnectAsync(TestApplication app, HttpTransportType transport)
    {
        HubConnection connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/chat"), transport)
            .Build();
        connection.ServerTimeout = TestHost.Timeout;
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await connection.StartAsync(timeout.Token);
        return connection;
    }

    private static Channel<string> Receive(HubConnection connection)
    {
        Channel<string> received = Channel.CreateUnbounded<string>();
        connection.On<string, string>(ChatHub.GroupMessage, (sender, message) => received.Writer.TryWrite($"{sender}: {message}"));
        return received;
    }
}
