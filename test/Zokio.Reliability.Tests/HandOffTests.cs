using Zokio.Reliability.TestServer;

namespace Zokio.Reliability.Tests;

/// <summary>
/// Adaptive scheduling's hand-off (issue 9): a handler blocks its loop's thread, a new thread takes the loop's I/O over,
/// clients come and go meanwhile. The server runs in a child process, so a crash (FailFast) fails the test cleanly.
/// The Sockets rows run the same client scenario against Kestrel's own transport, which blocks nothing of anyone else.
/// </summary>
public class HandOffTests
{
    private const int StallThresholdMs = 50;

    public static TheoryData<ServerTransport, int> ChurnCases => new()
    {
        { ServerTransport.IoUring, 1 },
        { ServerTransport.IoUring, 2 },
        { ServerTransport.Epoll, 1 },
        { ServerTransport.Epoll, 2 },
        { ServerTransport.Sockets, 2 },
        { ServerTransport.ZokioServerIoUring, 2 },
        { ServerTransport.ZokioServerEpoll, 2 },
    };

    [Theory, MemberData(nameof(ChurnCases))]
    public async Task Twenty_hand_offs_with_client_churn_keep_the_process_alive_and_every_response_correct(ServerTransport transport, int loops)
    {
        const int Rounds = 20;
        await using AppProcess server = await TestServer.StartAsync(TestServer.TransportArguments(transport, loops, StallThresholdMs));
        HandOffClient driver = new(server, transport);
        await server.RunAsync(async () =>
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(3));
            List<RawConnection> idle = await driver.OpenServedAsync(200, timeout.Token);
            for (int round = 0; round < Rounds; round++)
            {
                idle = await driver.BlockWithChurnAsync(idle, timeout.Token);
            }

            HandOffClient.DisposeAll(idle);
            await driver.AssertHandOffsAtLeastAsync(Rounds);
        });

        await driver.AssertStoppedCleanlyAsync();
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Hand_offs_while_a_peer_never_reads_keep_the_process_alive_and_its_response_intact(ServerTransport transport)
    {
        const int Rounds = 5;
        const int ResponseMiB = 64;
        await using AppProcess server = await TestServer.StartAsync(TestServer.TransportArguments(transport, loops: 1, StallThresholdMs));
        HandOffClient driver = new(server, transport);
        await server.RunAsync(async () =>
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(3));
            // A response far larger than every buffer on the way: its send stays pending while nobody reads.
            using RawConnection sink = await RawConnection.ConnectAsync(server.Port, timeout.Token);
            await sink.SendAsync($"GET /big/{ResponseMiB} HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
            Http1Response head = await sink.ReadResponseHeadAsync(timeout.Token);
            Assert.Equal(ResponseMiB * (long)BodyPattern.MiB, head.ContentLength);

            List<RawConnection> idle = await driver.OpenServedAsync(200, timeout.Token);
            for (int round = 0; round < Rounds; round++)
            {
                idle = await driver.BlockWithChurnAsync(idle, timeout.Token);
            }

            HandOffClient.DisposeAll(idle);
            await driver.AssertHandOffsAtLeastAsync(Rounds);

            // Now read it all: every byte in place, none lost or repeated across the hand-offs.
            long offset = 0;
            long firstMismatch = -1;
            await sink.ReadBodyAsync(head, chunk =>
            {
                int mismatch = BodyPattern.FirstMismatch(chunk.Span, offset);
                if (mismatch >= 0 && firstMismatch < 0)
                {
                    firstMismatch = offset + mismatch;
                }

                offset += chunk.Length;
            }, timeout.Token);
            Assert.True(firstMismatch < 0, $"The response held back during the hand-offs differs from what the handler wrote at byte {firstMismatch}.");
        });

        await driver.AssertStoppedCleanlyAsync();
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task During_a_hand_off_a_new_connection_is_answered_before_the_blocking_handler_returns(ServerTransport transport)
    {
        await using AppProcess server = await TestServer.StartAsync(TestServer.TransportArguments(transport, loops: 1, StallThresholdMs));
        HandOffClient driver = new(server, transport);
        await server.RunAsync(async () =>
        {
            using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
            HandOffClient.DisposeAll(await driver.OpenServedAsync(1, timeout.Token));
            using RawConnection blocker = await driver.StartBlockAsync(timeout.Token);
            await driver.WaitForHandOffAsync();

            // The block holds until this connection has been answered (or the wait times out).
            List<RawConnection> newcomer = await driver.OpenServedAsync(1, timeout.Token);

            HandOffClient.DisposeAll(newcomer);
            await driver.EndBlockAsync(blocker, timeout.Token);
        });

        await driver.AssertStoppedCleanlyAsync();
    }

    [Theory, MemberData(nameof(Transports.Zokio), MemberType = typeof(Transports))]
    public async Task A_loop_blocked_while_the_thread_pool_is_starved_is_still_handed_off(ServerTransport transport)
    {
        await using AppProcess server = await TestServer.StartAsync(TestServer.TransportArguments(transport, loops: 1, StallThresholdMs));
        HandOffClient driver = new(server, transport);
        await server.RunAsync(async () =>
        {
            using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
            // Served once, so Kestrel reads this connection's next request on the loop, where no thread-pool thread is needed.
            using RawConnection blocker = (await driver.OpenServedAsync(1, timeout.Token))[0];
            // Handlers blocking on the thread pool (where a handed-off loop's application work goes) can starve it. The
            // stall detector must still see the next loop that blocks: a detector waiting for a pool thread would not.
            await server.SendCommandAsync("starve");
            await server.WaitForLineAsync(l => l == "starved", 0);
            await blocker.SendAsync("GET /block HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
            Assert.Equal("block-started on-loop=True", await server.WaitForLineAsync(l => l.StartsWith("block-started", StringComparison.Ordinal), 0));
            await driver.WaitForHandOffAsync();

            await server.SendCommandAsync("feed");
            await driver.EndBlockAsync(blocker, timeout.Token);
        });

        await driver.AssertStoppedCleanlyAsync();
    }
}
