using System.Globalization;

namespace Zokio.Reliability.Tests;

/// <summary>
/// The client side of the hand-off scenarios against a <see cref="TestServer"/>: connections served with
/// request-specific answers, a handler that blocks its thread until released (started on a loop by
/// <see cref="HandOffDriver"/>), and the server's hand-off count.
/// </summary>
internal sealed class HandOffClient(AppProcess server, ServerTransport transport)
{
    // Bounds one block the way the Thread.Sleep(2000) did, when the scenario's clients are not all answered sooner.
    private static readonly TimeSpan s_longestBlock = TimeSpan.FromSeconds(2);

    private int _nextId;
    private int _outputSeen;
    private long _handOffsSeen;

    private bool IsZokio => transport != ServerTransport.Sockets;

    /// <summary>Opens <paramref name="count"/> keep-alive connections, each answered once with its own id.</summary>
    public async Task<List<RawConnection>> OpenServedAsync(int count, CancellationToken cancellationToken)
    {
        RawConnection[] opened = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            RawConnection connection = await RawConnection.ConnectAsync(server.Port, cancellationToken, bufferSize: 1024);
            try
            {
                await AssertServedAsync(connection, cancellationToken);
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }));
        return [.. opened];
    }

    /// <summary>
    /// One round of the scenario: block the loop, and while it is blocked close the idle clients and open as
    /// many new ones that send requests; the block lasts until they are answered (at most about 2 s). Returns the new
    /// clients, idle now.
    /// </summary>
    public async Task<List<RawConnection>> BlockWithChurnAsync(List<RawConnection> idle, CancellationToken cancellationToken)
    {
        using RawConnection blocker = await StartBlockAsync(cancellationToken);
        DisposeAll(idle);
        Task<List<RawConnection>> fresh = OpenServedAsync(idle.Count, cancellationToken);
        await Task.WhenAny(fresh, Task.Delay(s_longestBlock, cancellationToken));
        await EndBlockAsync(blocker, cancellationToken);
        return await fresh;
    }

    /// <summary>
    /// Starts GET /block on a connection that already served a request (so Kestrel reads it on the loop), and on Zokio
    /// makes sure it blocks the loop's thread.
    /// </summary>
    public Task<RawConnection> StartBlockAsync(CancellationToken cancellationToken) =>
        // Right after a hand-off the loop's application work still goes to the thread pool until the thread that was
        // blocked has left; a handler that ran there blocks no loop: it is let go, and the driver tries again.
        HandOffDriver.StartOnLoopAsync(async () =>
        {
            RawConnection blocker = await RawConnection.ConnectAsync(server.Port, cancellationToken, bufferSize: 1024);
            try
            {
                await AssertServedAsync(blocker, cancellationToken);
                await blocker.SendAsync("GET /block HTTP/1.1\r\nHost: test\r\n\r\n", cancellationToken);
                (string line, int index) = await server.WaitForLineWithIndexAsync(l => l.StartsWith("block-started", StringComparison.Ordinal), _outputSeen);
                _outputSeen = index + 1;
                return (blocker, !IsZokio || line == "block-started on-loop=True");
            }
            catch
            {
                blocker.Dispose();
                throw;
            }
        }, async blocker =>
        {
            using (blocker)
            {
                await EndBlockAsync(blocker, cancellationToken);
            }
        }, cancellationToken);

    /// <summary>Releases the blocked handler and checks its response.</summary>
    public async Task EndBlockAsync(RawConnection blocker, CancellationToken cancellationToken)
    {
        await server.SendCommandAsync("release");
        Http1Response response = await blocker.ReadResponseAsync(cancellationToken);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("blocked", response.BodyText);
    }

    /// <summary>On Zokio, waits until the server reports one more hand-off than seen so far; on Sockets there is none to wait for.</summary>
    public async Task WaitForHandOffAsync()
    {
        if (IsZokio)
        {
            _handOffsSeen = await WaitForHandOffCountAsync(_handOffsSeen + 1);
        }
    }

    /// <summary>On Zokio, waits until the server has counted at least <paramref name="expected"/> hand-offs in all.</summary>
    public async Task AssertHandOffsAtLeastAsync(int expected)
    {
        if (IsZokio)
        {
            _handOffsSeen = await WaitForHandOffCountAsync(expected);
        }
    }

    /// <summary>Stops the server and checks it exited normally, having logged no loop failure.</summary>
    public async Task AssertStoppedCleanlyAsync()
    {
        int exitCode = await server.StopAsync();
        Assert.True(exitCode == 0, $"The server exited abnormally. {server.Describe()}");
        Assert.DoesNotContain(server.Output, line => line.StartsWith("crit:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal));
    }

    public static void DisposeAll(IEnumerable<RawConnection> connections)
    {
        foreach (RawConnection connection in connections)
        {
            connection.Dispose();
        }
    }

    private async Task<long> WaitForHandOffCountAsync(long atLeast)
    {
        string line = await server.WaitForLineAsync(l => l.StartsWith("handoffs=", StringComparison.Ordinal) && long.Parse(l["handoffs=".Length..], CultureInfo.InvariantCulture) >= atLeast, 0);
        return long.Parse(line["handoffs=".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>A request whose answer only this request can produce, so a response delivered to the wrong connection shows.</summary>
    private async Task AssertServedAsync(RawConnection connection, CancellationToken cancellationToken)
    {
        string id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        await connection.SendAsync($"GET /fast/{id} HTTP/1.1\r\nHost: test\r\n\r\n", cancellationToken);
        Http1Response response = await connection.ReadResponseAsync(cancellationToken);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(id, response.BodyText);
    }
}
