using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Zokio.Reliability.TestServer;

namespace Zokio.Reliability.Tests;

/// <summary>Clients that misbehave at the TCP level: resets, half-closes, never reading. The server behaves as on Sockets.</summary>
public class PeerFaultTests
{
    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Reset_in_the_middle_of_a_request_body_fails_the_body_read_as_on_Sockets_and_leaks_nothing(ServerTransport transport)
    {
        TaskCompletionSource bodyStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<string> handlerOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplication app = ReliabilityHost.CreateBuilder(transport).Build();
        app.MapGet("/", () => "served");
        app.MapPost("/upload", (HttpContext context) => RecordOutcomeAsync(handlerOutcome, "the whole body was read", async () =>
        {
            byte[] buffer = new byte[16 * 1024];
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
                bodyStarted.TrySetResult();
            }
        }));
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        LeakCheck leaks = await host.StartLeakCheckAsync();
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);

        using (RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token))
        {
            await client.SendAsync("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1048576\r\n\r\n", timeout.Token);
            await client.SendAsync(RandomNumberGenerator.GetBytes(64 * 1024), timeout.Token);
            await bodyStarted.Task.WaitAsync(timeout.Token);
            client.Reset();
        }

        Assert.Equal("Microsoft.AspNetCore.Connections.ConnectionResetException", await handlerOutcome.Task.WaitAsync(timeout.Token));
        await AssertServedAsync(host, timeout.Token);
        await leaks.AssertNothingLeakedAsync();
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Reset_in_the_middle_of_a_response_ends_the_handler_and_leaks_nothing(ServerTransport transport)
    {
        TaskCompletionSource<string> handlerOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplication app = ReliabilityHost.CreateBuilder(transport).Build();
        app.MapGet("/", () => "served");
        app.MapGet("/big", (HttpContext context) => RecordOutcomeAsync(handlerOutcome, "the whole response was written", () => WritePatternAsync(context, 64L * BodyPattern.MiB)));
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        LeakCheck leaks = await host.StartLeakCheckAsync();
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);

        using (RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token))
        {
            await client.SendAsync("GET /big HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
            Http1Response head = await client.ReadResponseHeadAsync(timeout.Token);
            Assert.Equal(200, head.StatusCode);
            await client.ReadExactlyAsync(BodyPattern.MiB, timeout.Token);
            client.Reset();
        }

        // Either the pending write sees RequestAborted, or (when the abort lands between two writes) the rest of the
        // writes complete without sending: both happen on Sockets, and either way the handler ends at once.
        string[] endings = ["System.OperationCanceledException", "the whole response was written"];
        Assert.Contains(await handlerOutcome.Task.WaitAsync(timeout.Token), endings);
        await AssertServedAsync(host, timeout.Token);
        await leaks.AssertNothingLeakedAsync();
    }

    public static TheoryData<ServerTransport, int> HalfCloseCases
    {
        get
        {
            TheoryData<ServerTransport, int> data = [];
            foreach (ServerTransport transport in Transports.WithSockets)
            {
                data.Add(transport, 0);
                data.Add(transport, 200 * 1024);
            }

            return data;
        }
    }

    [Theory, MemberData(nameof(HalfCloseCases))]
    public async Task Half_close_after_a_full_request_never_yields_a_complete_looking_wrong_response(ServerTransport transport, int bodyLength)
    {
        // Kestrel treats the client's FIN as the connection closing and aborts the request, racing its response. On
        // Sockets (40 tries each, measured here): GET answered 27 times and not at all 13 times; a 200 KiB echo reset
        // 24 times, cut short with a FIN 6 times (the chunked body never ends), unanswered 9 times, complete once. The
        // issue's "Sockets never answers" does not hold, so what Sockets guarantees is asserted: a response that looks
        // complete is correct, a cut one shows it (framing or reset), and the connection always ends.
        WebApplication app = ReliabilityHost.CreateBuilder(transport).Build();
        app.MapGet("/", () => "served");
        app.MapPost("/echo", static (HttpContext context) => context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted));
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        byte[] body = RandomNumberGenerator.GetBytes(bodyLength);
        byte[] request = bodyLength == 0
            ? Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            : [.. Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {bodyLength}\r\n\r\n"), .. body];
        byte[] expected = bodyLength == 0 ? "served"u8.ToArray() : body;

        for (int attempt = 0; attempt < 20; attempt++)
        {
            using RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token);
            await client.SendAsync(request, timeout.Token);
            client.ShutdownSend();

            Http1Response? response;
            try
            {
                response = await client.ReadResponseAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is EndOfStreamException || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset })
            {
                // No response, or one visibly cut short: what Sockets does too.
                continue;
            }

            Assert.True(response.StatusCode == 200 && response.Body.AsSpan().SequenceEqual(expected), $"Attempt {attempt}: a complete-looking response with status {response.StatusCode} and a {response.Body.Length}-byte body that is not the expected {expected.Length} bytes.");
            await client.ReadToEndAsync(timeout.Token);
        }
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task A_client_that_never_reads_a_256_MiB_response_holds_bounded_server_memory_and_others_are_served(ServerTransport transport)
    {
        const long ResponseLength = 256L * BodyPattern.MiB;
        ProgressProbe progress = new();
        TaskCompletionSource<string> handlerOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplicationBuilder builder = ReliabilityHost.CreateBuilder(transport);
        // Only backpressure may hold the handler back here: Kestrel's minimum response rate would end the connection if
        // a loaded machine took more than its 5 s grace to get to the measurement.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinResponseDataRate = null);
        WebApplication app = builder.Build();
        app.MapGet("/", () => "served");
        app.MapGet("/huge", (HttpContext context) => RecordOutcomeAsync(handlerOutcome, "the whole response was written", () => WritePatternAsync(context, ResponseLength, progress)));
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        await AssertServedAsync(host, timeout.Token);
        long rssBefore = ProcessMemory.ResidentBytes();

        // A small receive buffer: loopback autotuning may otherwise let the kernel take tens of MiB before the server's
        // own buffers (the ones measured) fill.
        using (RawConnection sink = await RawConnection.ConnectAsync(host.Port, timeout.Token, kernelReceiveBuffer: 64 * 1024))
        {
            await sink.SendAsync("GET /huge HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
            // The handler's writes stop completing once every buffer between it and the client is full.
            await progress.WaitUntilStalledAsync(handlerOutcome.Task, timeout.Token);
            Assert.False(handlerOutcome.Task.IsCompleted, $"The handler ended ({(handlerOutcome.Task.IsCompleted ? await handlerOutcome.Task : "")}) although the client read nothing.");
            long growth = ProcessMemory.ResidentBytes() - rssBefore;
            Assert.True(growth < 64L * BodyPattern.MiB, $"RSS grew by {growth / BodyPattern.MiB} MiB while {progress.Written / BodyPattern.MiB} MiB of the response were accepted and none read.");

            await AssertServedAsync(host, timeout.Token);
        }

        // The client left: the handler's pending write must end, and with it the handler (on Sockets the writes after
        // the reset complete without sending, so "the whole response was written" is a valid end too).
        await handlerOutcome.Task.WaitAsync(timeout.Token);
    }

    /// <summary>Runs a handler's <paramref name="work"/> and records how it ended: <paramref name="completed"/>, or the exception's type.</summary>
    private static async Task RecordOutcomeAsync(TaskCompletionSource<string> outcome, string completed, Func<Task> work)
    {
        try
        {
            await work();
            outcome.TrySetResult(completed);
        }
        catch (Exception ex)
        {
            outcome.TrySetResult(ex.GetType().FullName!);
        }
    }

    private static async Task WritePatternAsync(HttpContext context, long length, ProgressProbe? progress = null)
    {
        context.Response.ContentLength = length;
        byte[] chunk = new byte[BodyPattern.ChunkSize];
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            BodyPattern.Fill(chunk, offset);
            Task write = context.Response.Body.WriteAsync(chunk, context.RequestAborted).AsTask();
            progress?.Writing(write, offset);
            await write;
        }
    }

    private static async Task AssertServedAsync(ReliabilityHost host, CancellationToken cancellationToken)
    {
        using RawConnection client = await RawConnection.ConnectAsync(host.Port, cancellationToken);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: test\r\n\r\n", cancellationToken);
        Assert.Equal("served", (await client.ReadResponseAsync(cancellationToken)).BodyText);
    }

    /// <summary>Lets the test see the handler's write in progress, to tell when writes stop completing.</summary>
    private sealed class ProgressProbe
    {
        private volatile Task? _current;

        public long Written { get; private set; }

        public void Writing(Task write, long offset)
        {
            Written = offset;
            _current = write;
        }

        /// <summary>
        /// Waits until one write has stayed pending for half a second (no client reads, so once the buffers are full no
        /// write completes again), or until the handler ended. A write that completes late only restarts the wait.
        /// </summary>
        public async Task WaitUntilStalledAsync(Task handlerEnded, CancellationToken cancellationToken)
        {
            int writesSeen = 0;
            while (!handlerEnded.IsCompleted)
            {
                Task? current = _current;
                Task settled = await Task.WhenAny(current ?? Task.Delay(10, CancellationToken.None), handlerEnded, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException(current is null
                        ? "The handler never started writing."
                        : $"The handler's writes kept completing: {writesSeen} seen complete, {Written} bytes written so far.");
                }

                if (current is not null && settled == current)
                {
                    writesSeen++;
                    if (_current == current)
                    {
                        // The write completed and the handler has not started the next one yet (its continuation may
                        // be queued on the thread pool, as on Sockets): give it the time instead of spinning on the
                        // completed task, which starved that very thread pool on a loaded machine.
                        await Task.Delay(1, CancellationToken.None);
                    }
                }

                if (current is not null && settled != current && settled != handlerEnded && _current == current)
                {
                    return;
                }
            }
        }
    }
}
