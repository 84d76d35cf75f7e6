using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Zokio.BenchClient;

/// <summary>
/// Many WebSocket clients echoing a small message, each one message in flight (send, wait for the echo, send again),
/// for a fixed time; then every client closes and checks that the server echoed its close status and reason.
/// With a rate, the clients together send that many messages per second on a fixed schedule instead of as fast as
/// the server answers, so servers can be compared at equal load.
/// </summary>
internal static class WebSocketEchoLoad
{
    public const ushort CloseStatus = 4321;
    public const string CloseReason = "zokio bench done";

    // A client whose echo has not come back this long after the end counts as timed out.
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);

    public static async Task<LoadSummary> RunAsync(Uri uri, int connections, TimeSpan duration, int messageBytes, double? rate)
    {
        byte[] message = Encoding.ASCII.GetBytes(new string('z', messageBytes));
        LoadErrors errors = new();
        WebSocketEchoConnection?[] clients = await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            using CancellationTokenSource timeout = new(s_grace);
            try
            {
                return await WebSocketEchoConnection.ConnectAsync(uri, message, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                errors.ConnectFailed();
                return null;
            }
        }));

        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        // Each client's share of the rate, its first send spread over one interval so they do not all send at once.
        long interval = rate is { } r ? (long)(connections / r * Stopwatch.Frequency) : 0;
        bool timedOut = false;
        Task<EchoLoop>[] loops = [.. clients.Select((client, i) => client is null
            ? Task.FromResult(new EchoLoop([], start))
            : Task.Run(() => EchoUntilAsync(client, end, start + (interval * i / connections), interval, errors, () => Volatile.Read(ref timedOut))))];

        Task all = Task.WhenAll(loops);
        if (await Task.WhenAny(all, Task.Delay(duration + s_grace)) != all)
        {
            // Disposing the sockets ends the waits that never completed; those clients count as timed out.
            Volatile.Write(ref timedOut, true);
        }

        foreach (WebSocketEchoConnection? client in clients)
        {
            client?.Dispose();
        }

        EchoLoop[] done = await Task.WhenAll(loops);
        // Up to the last echo, not the closing handshakes after it, so the rate is messages over the time they took.
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start, done.Max(loop => loop.LastEchoTimestamp));
        long[] received = [.. done.SelectMany(loop => loop.LatencyTicks)];
        return new LoadSummary(received.Length, elapsed, received.LongLength * (2 + messageBytes), errors, received);
    }

    private static async Task<EchoLoop> EchoUntilAsync(WebSocketEchoConnection client, long end, long next, long interval, LoadErrors errors, Func<bool> timedOut)
    {
        List<long> latencies = new(4096);
        long lastEcho = next;
        try
        {
            while (true)
            {
                long now = Stopwatch.GetTimestamp();
                if (interval > 0 && next > now)
                {
                    await Task.Delay(Stopwatch.GetElapsedTime(now, next));
                    now = Stopwatch.GetTimestamp();
                }

                if (now >= end)
                {
                    break;
                }

                next += interval;
                await client.EchoAsync();
                lastEcho = Stopwatch.GetTimestamp();
                latencies.Add(lastEcho - now);
            }

            await client.CloseAsync(CloseStatus, CloseReason);
        }
        catch (EchoMismatchException e)
        {
            errors.Mismatched();
            Console.Error.WriteLine($"ws-echo: {e.Message}");
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (timedOut())
            {
                errors.TimedOut();
            }
            else
            {
                errors.ReadFailed();
                Console.Error.WriteLine($"ws-echo: {e.GetType().Name}: {e.Message}");
            }
        }

        return new EchoLoop(latencies, lastEcho);
    }

    private sealed record EchoLoop(List<long> LatencyTicks, long LastEchoTimestamp);
}
