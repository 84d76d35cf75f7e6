using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>
/// The crash of issue 9: under Adaptive scheduling a blocking handler plus ordinary client churn (idle keep-alive
/// connections closing, new ones arriving) made the blocked ring's stale completions land on freed or reused
/// operations once the blocked thread returned, and the process failed fast. Repeated hand-offs with churn must leave
/// the process serving, with every response correct.
/// </summary>
public class HandOffChurnTests
{
    public static TheoryData<LoopBackendKind, int> Cases => Backends.With(1, 2);

    [Theory, MemberData(nameof(Cases))]
    public async Task Repeated_hand_offs_with_client_churn_keep_the_process_serving(LoopBackendKind backend, int loops)
    {
        using ZokioMeterReader meter = new();
        long handOffsBefore = meter.Read(ZokioMeterReader.LoopHandOffs);
        WebApplication app = TestHost.CreateZokioBuilder(backend, configure: options =>
        {
            options.LoopCount = loops;
            options.StallThreshold = TimeSpan.FromMilliseconds(50);
        }).Build();
        // Bodies with a Content-Length, so the raw-socket client below knows where each response ends.
        app.MapGet("/fast", () => Results.Text("fast"));
        app.MapGet("/block", () =>
        {
            if (EventLoop.Current is null)
            {
                // On the thread pool, where this blocks no loop: while an earlier hand-off's thread has not left, or
                // where Kestrel went on from the thread its connection started on because the request was already
                // there. The client asks again.
                return Results.Text(HandOffDriver.Diverted);
            }

            // Asleep in the kernel, as a handler blocked on I/O or a lock is.
            Thread.Sleep(400);
            return Results.Text("blocked");
        });
        await using TestHost host = await TestHost.StartAsync(app);
        IPEndPoint endPoint = new(IPAddress.Loopback, host.BaseAddress.Port);

        const int Rounds = 5;
        const int Clients = 60;
        List<Socket> idle = await OpenServedConnections(endPoint, Clients);
        for (int round = 0; round < Rounds; round++)
        {
            // Block every loop (blocking requests on keep-alive connections that were served before).
            List<Socket> blockers = await OpenServedConnections(endPoint, loops * 2);
            using CancellationTokenSource timeout = new(TestHost.Timeout);
            Task<string>[] blocking = [.. blockers.Select(b => HandOffDriver.AskOnLoopAsync(() => RequestAsync(b, "/block"), timeout.Token))];

            // Churn while blocked: the idle clients go away, new ones arrive and are served.
            foreach (Socket socket in idle)
            {
                socket.Dispose();
            }

            idle = await OpenServedConnections(endPoint, Clients);
            Assert.All(await Task.WhenAll(blocking).WaitAsync(TestHost.Timeout), body => Assert.Equal("blocked", body));
            foreach (Socket blocker in blockers)
            {
                blocker.Dispose();
            }
        }

        foreach (Socket socket in idle)
        {
            Assert.Equal("fast", await RequestAsync(socket, "/fast").WaitAsync(TestHost.Timeout));
            socket.Dispose();
        }

        Assert.True(meter.Read(ZokioMeterReader.LoopHandOffs) >= handOffsBefore + Rounds, "The loops were not handed off in every round.");
    }

    public static TheoryData<LoopBackendKind, bool> ReleaseOrders => Backends.With(false, true);

    /// <param name="backend">The loop's backend.</param>
    /// <param name="returnBeforeTakeOver">
    /// True: the blocking call returns as soon as the hand-off is decided, before the successor thread exists (a
    /// blocking call that ends just past the stall threshold). The old thread must still drain its ring into the
    /// successor's; it once saw its own backend still installed, skipped the drain, and the stalled send never finished.
    /// </param>
    [Theory, MemberData(nameof(ReleaseOrders))]
    public async Task A_peer_that_does_not_read_never_keeps_a_handed_off_thread_alive_and_gets_its_whole_response(LoopBackendKind backend, bool returnBeforeTakeOver)
    {
        const int Size = 16 * 1024 * 1024;
        byte[] payload = new byte[Size];
        new Random(7).NextBytes(payload);
        using ManualResetEventSlim release = new();
        using ManualResetEventSlim returned = new();
        TaskCompletionSource blockHandedOff = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<string> blockedThread = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Runs on the stall detector's thread as it hands the loop off, before it starts the successor. Only the hand-off
        // of the blocking request counts: on a loaded machine another one can be handed off too (a loop thread waiting
        // for a lock that a preempted thread holds is asleep, as a blocked one is).
        using IDisposable listener = HandOffDriver.OnHandedOff(label =>
        {
            if (label != "GET /block")
            {
                return;
            }

            if (returnBeforeTakeOver)
            {
                release.Set();
                // Until the old thread has finished the request it was blocked in and sleeps again, waiting at the
                // hand-off's exit for a successor that does not exist yet.
                returned.Wait(TestHost.Timeout);
                int tid = int.Parse(blockedThread.Task.Result, CultureInfo.InvariantCulture);
                SpinWait.SpinUntil(() => HandOffDriver.IsAsleep(tid), TestHost.Timeout);
            }

            blockHandedOff.TrySetResult();
        });
        WebApplication app = TestHost.CreateZokioBuilder(backend, configure: options =>
        {
            options.LoopCount = 1;
            options.StallThreshold = TimeSpan.FromMilliseconds(50);
        }).Build();
        app.MapGet("/fast", () => Results.Text("fast"));
        app.MapGet("/big", () => Results.Bytes(payload, "application/octet-stream"));
        app.MapGet("/block", () =>
        {
            if (EventLoop.Current is null)
            {
                // The loop sends application work to the thread pool while an earlier hand-off's thread has not returned
                // (on a loaded machine a thread waiting for a lock or a CPU can be handed off): ask again.
                return Results.Text(HandOffDriver.Diverted);
            }

            // This loop thread's kernel id ("/proc/thread-self" is "pid/task/tid"), to watch it leave.
            blockedThread.TrySetResult(Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!));
            release.Wait(TestHost.Timeout);
            returned.Set();
            return Results.Text("blocked");
        });
        await using TestHost host = await TestHost.StartAsync(app);
        IPEndPoint endPoint = new(IPAddress.Loopback, host.BaseAddress.Port);

        // A client that asks for 16 MiB and does not read: the response's send waits on the loop's backend.
        using Socket stalled = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await stalled.ConnectAsync(endPoint);
        Assert.Equal("fast", await RequestAsync(stalled, "/fast"));
        await stalled.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));

        // Block the loop: it is handed off while that send is pending on the blocked thread's backend.
        List<Socket> blocker = await OpenServedConnections(endPoint, 1);
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        Task<string> blocking = await HandOffDriver.StartOnLoopAsync(() => RequestAsync(blocker[0], "/block"), blockedThread.Task, timeout.Token);
        string tid = await blockedThread.Task;
        await blockHandedOff.Task.WaitAsync(timeout.Token);
        release.Set();
        Assert.Equal("blocked", await blocking.WaitAsync(TestHost.Timeout));
        // The blocked thread leaves as soon as its work returns, although its pending send cannot finish yet: its
        // drain moves that send to the loop's current thread.
        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/self/task/{tid}"), timeout.Token);

        // Now the client reads, and gets every byte, in order.
        byte[] received = await ReadResponseBodyAsync(stalled, Size).WaitAsync(TestHost.Timeout);
        Assert.True(received.AsSpan().SequenceEqual(payload), "The response was corrupted.");
        blocker[0].Dispose();
    }

    private static async Task<byte[]> ReadResponseBodyAsync(Socket socket, int size)
    {
        byte[] buffer = new byte[size + 4096];
        int total = 0;
        int bodyStart = -1;
        while (bodyStart < 0 || total < bodyStart + size)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(total));
            if (n == 0)
            {
                throw new IOException($"The server closed the connection after {total} bytes.");
            }

            total += n;
            if (bodyStart < 0)
            {
                int headerEnd = buffer.AsSpan(0, total).IndexOf("\r\n\r\n"u8);
                bodyStart = headerEnd < 0 ? -1 : headerEnd + 4;
            }
        }

        return buffer[bodyStart..(bodyStart + size)];
    }

    private static async Task<List<Socket>> OpenServedConnections(IPEndPoint endPoint, int count)
    {
        Socket[] sockets = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endPoint);
            Assert.Equal("fast", await RequestAsync(socket, "/fast"));
            return socket;
        })).WaitAsync(TestHost.Timeout);
        return [.. sockets];
    }

    /// <summary>One keep-alive GET on a raw socket; returns the body (the responses here are small, unchunked).</summary>
    private static async Task<string> RequestAsync(Socket socket, string path)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        byte[] buffer = new byte[4096];
        int total = 0;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(total));
            if (n == 0)
            {
                throw new IOException($"The server closed the connection; received: {Encoding.ASCII.GetString(buffer, 0, total)}");
            }

            total += n;
            string text = Encoding.ASCII.GetString(buffer, 0, total);
            int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd < 0)
            {
                continue;
            }

            int lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
            int length = int.Parse(text.AsSpan(lengthAt + 16, text.IndexOf('\r', lengthAt) - lengthAt - 16));
            if (total >= headerEnd + 4 + length)
            {
                return text.Substring(headerEnd + 4, length);
            }
        }
    }
}
