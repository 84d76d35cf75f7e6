using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

public class AdaptiveSchedulingTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_blocking_handler_does_not_hold_up_other_connections_on_its_loop_with_Adaptive_scheduling(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long handOffsBefore = meter.Read(ZokioMeterReader.LoopHandOffs);
        // One loop, so the fast requests' connections land on the very loop the blocking handler holds.
        using ManualResetEventSlim release = new();
        // Completed inside the handler, before it blocks, with whether it runs on the loop's thread (the premise of the test).
        TaskCompletionSource<bool> blockingStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using CapturingLoggerProvider logs = new(LogLevel.Information);
        WebApplication app = CreateOneLoopAdaptiveApp(backend, release, blockingStarted, logs);
        await using TestHost host = await TestHost.StartAsync(app);

        using HttpClient blockingClient = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        // A first request on the same keep-alive connection: Kestrel then waits for the next request, and that read
        // completes on the loop, so the blocking handler runs there. (A connection's very first request may be parsed on
        // the thread pool, where Kestrel starts every connection, and would block nothing of Zokio's.)
        Assert.Equal("fast", await blockingClient.GetStringAsync("/fast"));
        Task<string> blocking = blockingClient.GetStringAsync("/block");
        Assert.True(await blockingStarted.Task.WaitAsync(TestHost.Timeout), "The blocking handler did not run on the event loop.");

        // Each fast request on its own connection: a new handler per request, and Connection: close.
        string[] fast = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            using HttpRequestMessage request = new(HttpMethod.Get, "/fast") { Headers = { ConnectionClose = true } };
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        })).WaitAsync(TestHost.Timeout);

        Assert.False(blocking.IsCompleted, "The fast requests finished only after the blocking handler returned: the loop was not handed off.");
        release.Set();
        Assert.All(fast, body => Assert.Equal("fast", body));
        Assert.True(meter.Read(ZokioMeterReader.LoopHandOffs) > handOffsBefore, "zokio.loop.handoffs did not increase.");
        // The operator is told which route blocked the loop.
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Message.Contains("(GET /block)", StringComparison.Ordinal));
        Assert.Equal("blocked", await blocking.WaitAsync(TestHost.Timeout));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Idle_keep_alive_connections_opened_before_a_handler_blocks_are_still_served_during_the_block(LoopBackendKind backend)
    {
        // Their reads were pending on the blocked thread's ring when the loop was handed off: the new thread must
        // take those waits over, not only accept new connections.
        using ManualResetEventSlim release = new();
        TaskCompletionSource<bool> blockingStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplication app = CreateOneLoopAdaptiveApp(backend, release, blockingStarted);
        await using TestHost host = await TestHost.StartAsync(app);

        HttpClient[] idle = [.. Enumerable.Range(0, 5).Select(_ => new HttpClient { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout })];
        try
        {
            foreach (HttpClient client in idle)
            {
                Assert.Equal("fast", await client.GetStringAsync("/fast"));
            }

            using HttpClient blockingClient = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            Assert.Equal("fast", await blockingClient.GetStringAsync("/fast"));
            Task<string> blocking = blockingClient.GetStringAsync("/block");
            Assert.True(await blockingStarted.Task.WaitAsync(TestHost.Timeout), "The blocking handler did not run on the event loop.");

            // Same clients, same keep-alive connections as before the block.
            string[] fast = await Task.WhenAll(idle.Select(client => client.GetStringAsync("/fast"))).WaitAsync(TestHost.Timeout);
            Assert.False(blocking.IsCompleted, "The idle connections were served only after the blocking handler returned.");
            release.Set();
            Assert.All(fast, body => Assert.Equal("fast", body));
            Assert.Equal("blocked", await blocking.WaitAsync(TestHost.Timeout));

            // After the blocked thread drained its ring and left, the same connections still work.
            Assert.All(await Task.WhenAll(idle.Select(client => client.GetStringAsync("/fast"))), body => Assert.Equal("fast", body));
        }
        finally
        {
            foreach (HttpClient client in idle)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// One loop, adaptive scheduling with a 100 ms stall threshold, GET /fast, and GET /block, which reports whether it
    /// runs on the loop and then blocks its thread until <paramref name="release"/> is set.
    /// </summary>
    private static WebApplication CreateOneLoopAdaptiveApp(LoopBackendKind backend, ManualResetEventSlim release, TaskCompletionSource<bool> blockingStarted, ILoggerProvider? logs = null)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, configure: options =>
        {
            options.LoopCount = 1;
            options.ApplicationScheduling = ApplicationScheduling.Adaptive;
            options.StallThreshold = TimeSpan.FromMilliseconds(100);
        });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        WebApplication app = builder.Build();
        app.MapGet("/block", () =>
        {
            blockingStarted.TrySetResult(EventLoop.Current is not null);
            // Blocking is the point of these tests: a synchronous wait that holds the loop's thread until the test has
            // seen the other connections served.
            release.Wait(TestHost.Timeout);
            return "blocked";
        });
        app.MapGet("/fast", () => "fast");
        return app;
    }
}
