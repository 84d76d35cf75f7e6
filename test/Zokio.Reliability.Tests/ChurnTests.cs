using Microsoft.AspNetCore.Builder;

namespace Zokio.Reliability.Tests;

public class ChurnTests
{
    // Zokio's own bookkeeping (descriptors, pool blocks): Sockets has no pool to check, and its run would double the time.
    [Theory, MemberData(nameof(Transports.Zokio), MemberType = typeof(Transports))]
    public async Task Fifty_thousand_short_connections_leave_sockets_and_pool_memory_where_they_started(ServerTransport transport)
    {
        const int Connections = 50_000;
        const int Concurrency = 32;
        WebApplication app = ReliabilityHost.CreateBuilder(transport).Build();
        app.MapGet("/", () => "served");
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        LeakCheck leaks = await host.StartLeakCheckAsync();
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        // Generous for a busy 2-core machine; the connections themselves take seconds.
        using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(3));

        int next = -1;
        int served = 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < Connections)
            {
                // One request, Connection: close: the server closes first, as with a client that sends one request.
                using RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token, bufferSize: 1024);
                await client.SendAsync("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", timeout.Token);
                Http1Response response = await client.ReadResponseAsync(timeout.Token);
                Assert.Equal("served", response.BodyText);
                Assert.Equal((0L, ConnectionEnd.Fin), await client.ReadToEndAsync(timeout.Token));
                Interlocked.Increment(ref served);
            }
        })));

        Assert.Equal(Connections, served);
        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) - acceptedBefore >= Connections, "Zokio did not accept every connection.");

        await leaks.AssertNothingLeakedAsync();
    }
}
