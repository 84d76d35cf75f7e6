using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>Receive, schedule and send on a warm connection allocate nothing per message.</summary>
public class HotPathAllocationTests : IClassFixture<LeakCheck>
{
    public static TheoryData<LoopBackendKind, bool> Cases => Backends.With(true, false);

    [Theory, MemberData(nameof(Cases))]
    public async Task Echo_round_trips_on_a_warm_connection_allocate_nothing(LoopBackendKind backend, bool waitForData)
    {
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 1, RingEntries = 64, WaitForDataBeforeAllocatingBuffer = waitForData };
        await using ZokioTransportFactory factory = new(Options.Create(options), NullLoggerFactory.Instance);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync())!;
        Task echo = EchoAsync(server.Transport);

        const int Warmup = 2000, Measured = 5000;
        long allocated = 0;
        Thread driver = new(() =>
        {
            byte[] message = new byte[64];
            byte[] reply = new byte[64];
            void RoundTrips(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    client.Send(message);
                    int got = 0;
                    while (got < reply.Length)
                    {
                        got += client.Receive(reply, got, reply.Length - got, SocketFlags.None);
                    }
                }
            }

            RoundTrips(Warmup);
            // Process-wide and precise: the loop thread, the thread pool and this thread all count. So does whatever
            // else the test host does meanwhile (reporting the previous class's results, say): the least of three
            // windows is the transport's own cost, since an allocation per message would show in every one.
            allocated = long.MaxValue;
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                RoundTrips(Measured);
                allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
        });
        driver.Start();
        await Task.Run(driver.Join).WaitAsync(TimeSpan.FromSeconds(60));

        client.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(TimeSpan.FromSeconds(30));
        await server.DisposeAsync();
        // Zero per message; a little slack for what the runtime allocates in the background meanwhile (timers, tiering).
        Assert.True(allocated < Measured, $"{allocated} bytes allocated over {Measured} round trips ({(double)allocated / Measured:F1} per round trip).");
    }

    private static async Task EchoAsync(IDuplexPipe pipe)
    {
        while (true)
        {
            ReadResult result = await pipe.Input.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                await pipe.Output.WriteAsync(segment);
            }

            pipe.Input.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await pipe.Output.CompleteAsync();
    }
}
