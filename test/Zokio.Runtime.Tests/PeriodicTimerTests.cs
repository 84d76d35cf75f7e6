using System.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public class PeriodicTimerTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Ticks_stay_on_the_grid_of_the_start_time_even_with_a_slow_consumer(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        using LoopPeriodicTimer timer = loop.CreatePeriodicTimer(TimeSpan.FromMilliseconds(5));
        long period = timer.PeriodTimestamps;
        long previousDue = timer.StartTimestamp;

        for (int i = 0; i < 12; i++)
        {
            Assert.True(await timer.WaitForNextTickAsync().AsTask().WaitAsync(Backends.Timeout));
            long now = Stopwatch.GetTimestamp();
            // Never early: at least one period after the start.
            Assert.True(now >= timer.StartTimestamp + period, "A tick completed before the first period ended.");
            // The next tick is armed on the start's grid (no drift), never before the previous one.
            long due = await OnLoop(loop, () => timer.NextDueTimestamp);
            Assert.Equal(0, (due - timer.StartTimestamp) % period);
            Assert.True(due >= previousDue);
            previousDue = due;
            if (i % 4 == 3)
            {
                // A consumer slower than the period: missed ticks are skipped, the grid is kept.
                Thread.Sleep(TimeSpan.FromMilliseconds(12));
            }
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Ticks_missed_while_nobody_waits_are_coalesced_into_one(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        using LoopPeriodicTimer timer = loop.CreatePeriodicTimer(TimeSpan.FromMilliseconds(2));
        long start = timer.StartTimestamp;
        // Wait until several ticks are due and the loop has armed a later one.
        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (await OnLoop(loop, () => timer.NextDueTimestamp) < start + (5 * timer.PeriodTimestamps))
        {
            await Task.Delay(2, timeout.Token);
        }

        ValueTask<bool> first = timer.WaitForNextTickAsync();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(await first);
        ValueTask<bool> second = timer.WaitForNextTickAsync();
        long armedWhenAsked = await OnLoop(loop, () => timer.NextDueTimestamp);
        Assert.True(await second.AsTask().WaitAsync(Backends.Timeout));
        Assert.True(Stopwatch.GetTimestamp() >= armedWhenAsked - timer.PeriodTimestamps, "The second wait was completed by a tick that had already been consumed.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Canceling_a_wait_ends_only_that_wait(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        using LoopPeriodicTimer timer = group.Loops[0].CreatePeriodicTimer(TimeSpan.FromMilliseconds(20));
        using CancellationTokenSource cts = new();
        ValueTask<bool> wait = timer.WaitForNextTickAsync(cts.Token);
        Assert.False(wait.IsCompleted);
        cts.Cancel();
        Task waiting = wait.AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Backends.Timeout));
        Assert.True(waiting.IsCanceled);

        // The timer keeps ticking, and the canceled token's registration cannot end a later wait with another token.
        Assert.True(await timer.WaitForNextTickAsync(CancellationToken.None).AsTask().WaitAsync(Backends.Timeout));
        Assert.True(timer.WaitForNextTickAsync(cts.Token).IsCanceled);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Dispose_ends_a_pending_wait_and_every_later_one_with_false(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        LoopPeriodicTimer timer = group.Loops[0].CreatePeriodicTimer(TimeSpan.FromHours(1));
        ValueTask<bool> pending = timer.WaitForNextTickAsync();
        Assert.Throws<InvalidOperationException>(() => { _ = timer.WaitForNextTickAsync(); });
        timer.Dispose();
        Assert.False(await pending.AsTask().WaitAsync(Backends.Timeout));
        Assert.False(await timer.WaitForNextTickAsync());
        timer.Dispose();
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_wait_started_on_the_loop_resumes_on_the_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        int ticksOnLoop = await loop.Spawn(async () =>
        {
            using LoopPeriodicTimer timer = loop.CreatePeriodicTimer(TimeSpan.FromMilliseconds(1));
            int count = 0;
            for (int i = 0; i < 5 && await timer.WaitForNextTickAsync(); i++)
            {
                count += EventLoop.Current == loop ? 1 : 0;
            }

            return count;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(5, ticksOnLoop);
    }

    [Fact]
    public void Invalid_periods_are_refused_with_the_range()
    {
        using EventLoopGroup group = Backends.Start(LoopBackendKind.Epoll);
        EventLoop loop = group.Loops[0];
        Assert.Contains("between 1 and", Assert.Throws<ArgumentOutOfRangeException>(() => loop.CreatePeriodicTimer(TimeSpan.Zero)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.CreatePeriodicTimer(TimeSpan.FromDays(30)));
    }

    private static Task<T> OnLoop<T>(EventLoop loop, Func<T> read) => Backends.OnLoop(loop, () => Task.FromResult(read()));
}
