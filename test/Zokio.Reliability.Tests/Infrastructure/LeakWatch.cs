using Zokio.Http.Tests;

namespace Zokio.Reliability.Tests;

/// <summary>
/// Records open sockets and (on Zokio) pool blocks rented when a scenario starts; <see cref="AssertNothingLeakedAsync"/>
/// waits, bounded, for both to come back: a connection that ended abnormally must still give back its descriptor and
/// its memory.
/// </summary>
internal sealed class LeakWatch : IAsyncDisposable
{
    private readonly ServerTransport _transport;
    private readonly ZokioMeterReader _meter = new();
    private readonly int _socketsBefore;
    private readonly long _blocksBefore;

    private LeakWatch(ServerTransport transport)
    {
        _transport = transport;
        _socketsBefore = OpenSockets();
        _blocksBefore = _transport == ServerTransport.Sockets ? 0 : _meter.Read(ZokioMeters.MemoryOutstanding);
    }

    /// <summary>
    /// Starts watching once <paramref name="host"/> has served one connection, so state made lazily on the first one is
    /// part of the baseline.
    /// </summary>
    public static async Task<LeakWatch> StartAsync(ServerTransport transport, ReliabilityHost host)
    {
        int socketsBefore = OpenSockets();
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using (RawConnection warmUp = await RawConnection.ConnectAsync(host.Port, timeout.Token))
        {
            await warmUp.SendAsync("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", timeout.Token);
            await warmUp.ReadToEndAsync(timeout.Token);
        }

        // The warm-up connection's close runs on the server's threads: let it finish before counting.
        await Eventually.EqualsAsync(true, () => OpenSockets() <= socketsBefore, "the warm-up connection closed");
        return new LeakWatch(transport);
    }

    /// <summary>Open socket descriptors of this process (the server's and the test's clients).</summary>
    public static int OpenSockets() => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    });

    public async Task AssertNothingLeakedAsync()
    {
        await Eventually.EqualsAsync(true, () => OpenSockets() <= _socketsBefore, $"open sockets back at or below {_socketsBefore}");
        if (_transport != ServerTransport.Sockets)
        {
            await Eventually.EqualsAsync(_blocksBefore, () => _meter.Read(ZokioMeters.MemoryOutstanding), ZokioMeters.MemoryOutstanding);
        }
    }

    public ValueTask DisposeAsync()
    {
        _meter.Dispose();
        return ValueTask.CompletedTask;
    }
}
