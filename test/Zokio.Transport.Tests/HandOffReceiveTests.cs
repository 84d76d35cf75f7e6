using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>
/// A connection's receive across an adaptive hand-off: bytes the blocked thread's ring took in before it blocked, and
/// bytes that arrive while it is blocked, reach the application once each and in the order they were sent.
/// </summary>
/// <remarks>
/// The case this is for: with multishot receives, a ring can hold an unreaped completion with a connection's bytes
/// when its thread blocks (application work that submits more than the SQ holds makes the kernel post completions that
/// only the next reap dispatches). The successor must then leave that receive on the blocked ring, whose drain
/// forwards the bytes, and start receiving on its own ring only after them. A receive moved at once would take the later
/// bytes first, and the held ones would be lost: their forwarded completion carries the old submission's token.
/// </remarks>
public class HandOffReceiveTests : IClassFixture<LeakCheck>
{
    private const int RingEntries = 64;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<LoopBackendKind, int> Modes => new()
    {
        { LoopBackendKind.IoUring, 128 },
        { LoopBackendKind.IoUring, 0 },
        { LoopBackendKind.Epoll, 128 },
    };

    [Theory, MemberData(nameof(Modes))]
    public async Task Bytes_taken_in_before_and_sent_during_a_hand_off_arrive_once_and_in_order(LoopBackendKind backend, int receiveBuffers)
    {
        ZokioTransportOptions options = new()
        {
            Backend = backend,
            LoopCount = 1,
            RingEntries = RingEntries,
            ReceiveBuffers = receiveBuffers,
            ApplicationScheduling = ApplicationScheduling.Adaptive,
            StallThreshold = TimeSpan.FromMilliseconds(100),
        };
        await using ZokioTransportFactory factory = new(Options.Create(options), NullLoggerFactory.Instance);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        EventLoop loop = factory.Loops.Loops[0];
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
        Socket serverSocket = server.Features.Get<IConnectionSocketFeature>()!.Socket;
        PipeReader input = server.Transport.Input;
        bool multishot = backend == LoopBackendKind.IoUring && receiveBuffers > 0;
        List<NopOperation> nops = [];
        List<Task<IoResult>> nopResults = [];
        using ManualResetEventSlim release = new();

        try
        {
            // One exchange first, so the connection is receiving (its multishot request armed in the kernel).
            byte[] greeting = [1, 2, 3];
            await client.SendAsync(greeting, SocketFlags.None);
            Assert.Equal(greeting, await ReadExactlyAsync(input, greeting.Length));

            byte[] held = RandomBytes(3000, seed: 1);
            byte[] later = RandomBytes(5000, seed: 2);
            long handOffsBefore = Volatile.Read(ref loop.Counters.HandOffs);
            Task<string?> blocking = RunApplicationWorkAsync(loop, () =>
            {
                client.Send(held);
                if (!SpinUntil(() => serverSocket.Available == held.Length))
                {
                    return $"The held bytes never reached the server's socket (available: {serverSocket.Available}).";
                }

                if (backend == LoopBackendKind.IoUring)
                {
                    // More submissions than the SQ holds: the ring enters the kernel to make room, which (DEFER_TASKRUN)
                    // also runs the receive for the held bytes and posts its completion, left unreaped.
                    for (int i = 0; i <= RingEntries; i++)
                    {
                        NopOperation nop = new();
                        nops.Add(nop);
                        nopResults.Add(nop.SubmitAsync(loop.IoBackend).AsTask());
                    }
                }

                if (multishot && serverSocket.Available != 0)
                {
                    return "The ring did not take in the held bytes before blocking, so no unreaped receive was handed off.";
                }

                // Asleep in the kernel: the stall detector hands the loop to a new thread.
                return release.Wait(Timeout) ? null : "The test never released the blocked thread.";
            });

            await WaitUntilAsync(() => Volatile.Read(ref loop.Counters.HandOffs) > handOffsBefore || blocking.IsCompleted);
            Assert.False(blocking.IsCompleted, $"The application work ended before a hand-off: {(blocking.IsCompleted ? await blocking : null)}");
            await client.SendAsync(later, SocketFlags.None);
            // Time for a receive wrongly moved to the new ring to take the later bytes ahead of the held ones; a correct
            // one leaves them in the socket until the blocked thread's drain has forwarded the held bytes.
            await WaitUntilAsync(() => serverSocket.Available == 0, TimeSpan.FromMilliseconds(500));
            release.Set();
            Assert.Null(await blocking.WaitAsync(Timeout));

            byte[] received = await ReadExactlyAsync(input, held.Length + later.Length);
            Assert.Equal([.. held, .. later], received);
            // The operations the blocked ring held complete too, forwarded or submitted again on the new ring.
            Assert.All(await Task.WhenAll(nopResults).WaitAsync(Timeout), result => Assert.Equal(IoResult.Success(0), result));
        }
        finally
        {
            release.Set();
            await server.DisposeAsync();
            foreach (NopOperation nop in nops)
            {
                nop.Dispose();
            }
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Runs <paramref name="body"/> on the loop as application work (what the stall detector watches).</summary>
    private static Task<string?> RunApplicationWorkAsync(EventLoop loop, Func<string?> body)
    {
        TaskCompletionSource<string?> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ScheduleApplication(_ =>
        {
            try
            {
                done.TrySetResult(body());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, null);
        return done.Task;
    }

    /// <summary>Spins (running, never asleep, so no hand-off starts) until the condition holds or the timeout passes.</summary>
    private static bool SpinUntil(Func<bool> condition) => SpinWait.SpinUntil(condition, Timeout);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        using CancellationTokenSource timeout = new(limit ?? Timeout);
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int length)
    {
        using CancellationTokenSource timeout = new(Timeout);
        while (true)
        {
            ReadResult result = await input.ReadAsync(timeout.Token);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                byte[] bytes = result.Buffer.Slice(0, Math.Min(length, result.Buffer.Length)).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(bytes.Length));
                Assert.Equal(length, bytes.Length);
                return bytes;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
