using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// A socket's receive across an adaptive hand-off: bytes the blocked thread's ring took in before it blocked, and
/// bytes that arrive while it is blocked, reach the receiver once each and in the order they were sent.
/// </summary>
/// <remarks>
/// The case this is for: with multishot receives, a ring can hold an unreaped completion with a connection's bytes
/// when its thread blocks (application work that submits more than the SQ holds makes the kernel post completions that
/// only the next reap dispatches). The successor must then leave that receive on the blocked ring, whose drain
/// forwards the bytes, and start receiving on its own ring only after them. A receive moved at once would take the later
/// bytes first, and the held ones would be lost: their forwarded completion carries the old submission's token.
/// </remarks>
public class HandOffReceiveTests
{
    private const int RingEntries = 64;

    public static TheoryData<LoopBackendKind, int> Modes => new()
    {
        { LoopBackendKind.IoUring, 128 },
        { LoopBackendKind.IoUring, 0 },
        { LoopBackendKind.Epoll, 128 },
    };

    [Theory, MemberData(nameof(Modes))]
    public async Task Bytes_taken_in_before_and_sent_during_a_hand_off_arrive_once_and_in_order(LoopBackendKind backend, int receiveBuffers)
    {
        await using EventLoopGroup group = Backends.Start(backend, configure: options =>
        {
            options.RingEntries = RingEntries;
            options.ReceiveBuffers = receiveBuffers;
            options.ApplicationScheduling = ApplicationScheduling.Adaptive;
            options.StallThreshold = TimeSpan.FromMilliseconds(100);
        });
        bool ring = backend == LoopBackendKind.IoUring;
        bool multishot = ring && receiveBuffers > 0;
        EventLoop loop = group.Loops[0];
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        Socket client = connection.Client;
        using Socket serverView = new(new SafeSocketHandle(connection.Server.Handle, ownsHandle: false));
        ArrayBufferWriter<byte> received = new();
        List<NopOperation> nops = [];
        List<Task<IoResult>> nopResults = [];
        using ManualResetEventSlim release = new();

        try
        {
            // One exchange first, so the socket is receiving (on io_uring its multishot request armed in the kernel).
            byte[] greeting = [1, 2, 3];
            await client.SendAsync(greeting, SocketFlags.None);
            Assert.Equal(greeting, await connection.ReceiveAsync(received, greeting.Length));

            byte[] held = RandomBytes(3000, seed: 1);
            byte[] later = RandomBytes(5000, seed: 2);
            byte[] expected = [.. greeting, .. held, .. later];
            // The next receive is pending when the loop blocks, as a connection's receive loop always is.
            Task<byte[]> rest = connection.ReceiveAsync(received, expected.Length);
            long handOffsBefore = HandOffDriver.HandOffs(loop);
            Task<string?> blocking = HandOffDriver.RunApplicationWorkAsync(loop, () =>
            {
                client.Send(held);
                if (!HandOffDriver.SpinUntil(() => serverView.Available == held.Length))
                {
                    return $"The held bytes never reached the server's socket (available: {serverView.Available}).";
                }

                if (ring)
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

                if (multishot && serverView.Available != 0)
                {
                    return "The ring did not take in the held bytes before blocking, so no unreaped receive was handed off.";
                }

                // Asleep in the kernel: the stall detector hands the loop to a new thread.
                return release.Wait(Backends.Timeout) ? null : "The test never released the blocked thread.";
            });

            await HandOffDriver.WaitForHandOffAsync(loop, handOffsBefore, blocking);
            await client.SendAsync(later, SocketFlags.None);
            // Time for a receive wrongly moved to the new ring to take the later bytes ahead of the held ones; a correct
            // one leaves them in the socket until the blocked thread's drain has forwarded the held bytes.
            await Eventually.UntilAsync(() => serverView.Available == 0, TimeSpan.FromMilliseconds(500));
            release.Set();
            Assert.Null(await blocking.WaitAsync(Backends.Timeout));

            Assert.Equal(expected, await rest.WaitAsync(Backends.Timeout));
            // The operations the blocked ring held complete too, forwarded or submitted again on the new ring.
            Assert.All(await Task.WhenAll(nopResults).WaitAsync(Backends.Timeout), result => Assert.Equal(IoResult.Success(0), result));
        }
        finally
        {
            release.Set();
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
}
