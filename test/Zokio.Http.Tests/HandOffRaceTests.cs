using Microsoft.AspNetCore.Builder;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>
/// Regression test: after an adaptive hand-off, awaits resuming on the loop (through its SynchronizationContext) run on
/// the new thread while the old one is still blocked. The old thread must still notice the hand-off when its blocking
/// work returns and leave the loop, so exactly one thread drives it.
/// </summary>
public class HandOffRaceTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task After_a_hand_off_the_blocked_thread_leaves_the_loop_even_while_awaits_resume_on_it(LoopBackendKind backend)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend, configure: options =>
        {
            options.LoopCount = 1;
            options.ApplicationScheduling = ApplicationScheduling.Adaptive;
            options.StallThreshold = TimeSpan.FromMilliseconds(100);
        }).Build();
        TaskCompletionSource awaiterStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int awaitsResumed = 0;
        using ManualResetEventSlim awaitsProgress = new();
        app.MapGet("/fast", () => "fast");
        app.MapGet("/await", async () =>
        {
            if (EventLoop.Current is null)
            {
                // Sent to the thread pool: an earlier hand-off's thread (a loaded machine can hand off a loop thread
                // that waits for a lock) has not left yet. The client asks again.
                return HandOffDriver.Diverted;
            }

            awaiterStarted.TrySetResult();
            // Each await captured the loop's SynchronizationContext, so its continuation is posted back to the loop as
            // application work, before and after the hand-off alike.
            for (int i = 0; i < 60; i++)
            {
                await Task.Delay(25);
                Interlocked.Increment(ref awaitsResumed);
                awaitsProgress.Set();
            }

            return "awaited";
        });
        app.MapGet("/block", () =>
        {
            if (EventLoop.Current is null)
            {
                return HandOffDriver.Diverted;
            }

            // Holds the loop's thread (asleep in the kernel, so the loop is handed off) until 20 more awaits of the
            // other handler have resumed on the loop's new thread.
            int target = Volatile.Read(ref awaitsResumed) + 20;
            while (Volatile.Read(ref awaitsResumed) < target && awaitsProgress.Wait(TestHost.Timeout))
            {
                awaitsProgress.Reset();
            }

            // Without a hand-off the awaits could not resume while this thread holds the loop.
            return Volatile.Read(ref awaitsResumed) >= target ? "blocked" : "no hand-off: the awaits never resumed";
        });
        await using TestHost host = await TestHost.StartAsync(app);

        using HttpClient awaitingClient = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        using HttpClient blockingClient = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        Assert.Equal("fast", await awaitingClient.GetStringAsync("/fast"));
        Assert.Equal("fast", await blockingClient.GetStringAsync("/fast"));
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        Task<string> awaiting = await HandOffDriver.StartOnLoopAsync(() => awaitingClient.GetStringAsync("/await"), awaiterStarted.Task, timeout.Token);
        Assert.Equal("blocked", await HandOffDriver.AskOnLoopAsync(() => blockingClient.GetStringAsync("/block"), timeout.Token));
        Assert.Equal("awaited", await awaiting.WaitAsync(TestHost.Timeout));

        // One thread drives the loop again: the blocked one must have exited once its work returned.
        await Eventually.TrueAsync(() => CountThreadsNamed("zokio-loop-0") == 1, timeout.Token);

        // And the loop still serves.
        Assert.Equal("fast", await new HttpClient { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout }.GetStringAsync("/fast"));
    }

    private static int CountThreadsNamed(string name) =>
        Directory.EnumerateDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name;
            }
            catch (IOException)
            {
                return false;
            }
        });
}
