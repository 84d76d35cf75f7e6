using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Tests;

namespace Zokio.Transport.Tests;

public class ConnectionTracingTests : IClassFixture<LeakCheck>
{
    // The "Connections" keyword of the Zokio event source: part of its published manifest, as event names are.
    private const EventKeywords ConnectionsKeyword = (EventKeywords)0x2;

    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory, MemberData(nameof(Backends))]
    public async Task Connections_are_traced_when_they_open_and_close_at_verbose_level(LoopBackendKind backend)
    {
        using ZokioEventListener events = new();
        await using ZokioTransportFactory factory = ZokioTransportFactory.Create(new ZokioTransportOptions { Backend = backend, LoopCount = 2, RingEntries = 64 });
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;

        EventWrittenEventArgs opened = await events.WaitForAsync("ConnectionStart", e => (string)ZokioEventListener.Payload(e, "connectionId")! == server.ConnectionId);
        Assert.Equal(EventLevel.Verbose, opened.Level);
        Assert.True((opened.Keywords & ConnectionsKeyword) != 0);
        Assert.Equal(server.LocalEndPoint!.ToString(), ZokioEventListener.Payload(opened, "localEndPoint"));
        Assert.Equal(client.LocalEndPoint!.ToString(), ZokioEventListener.Payload(opened, "remoteEndPoint"));
        Assert.InRange((int)ZokioEventListener.Payload(opened, "loopIndex")!, 0, 1);

        client.Close();
        await server.DisposeAsync();
        await events.WaitForAsync("ConnectionStop", e => (string)ZokioEventListener.Payload(e, "connectionId")! == server.ConnectionId);
    }
}
