using System.Diagnostics;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Time;

namespace Zokio.Runtime.Tests;

public class TimerTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Delays_never_complete_early(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        int[] delaysMs = [1, 2, 5, 13, 30, 50];
        Task<TimeSpan>[] runs = [.. delaysMs.Select(async ms =>
        {
            Stopwatch clock = Stopwatch.StartNew();
            await loop.Delay(TimeSpan.FromMilliseconds(ms));
            return clock.Elapsed;
        })];

        TimeSpan[] elapsed = await Task.WhenAll(runs).WaitAsync(Backends.Timeout);
        for (int i = 0; i < delaysMs.Length; i++)
        {
            Assert.True(elapsed[i] >= TimeSpan.FromMilliseconds(delaysMs[i]), $"A {delaysMs[i]} ms delay completed after {elapsed[i].TotalMilliseconds} ms.");
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Timers_fire_in_deadline_order(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        List<int> order = [];
        // Recorded on the loop thread: the delays are asked for back to back in work on the loop, and each continuation is
        // queued back to the loop as the wheel fires its delay, in order. Recorded in continuations on the thread pool,
        // a loaded machine could run them out of order (it did once: 5, 20, 30, 10).
        int[] delays = [40, 10, 30, 20, 5, 600];
        async Task Record(int ms)
        {
            await loop.Delay(TimeSpan.FromMilliseconds(ms));
            Assert.Same(loop, EventLoop.Current);
            order.Add(ms);
        }

        Task[] all = await loop.Spawn(() => Task.FromResult(delays.Select(Record).ToArray())).WaitAsync(Backends.Timeout);
        await Task.WhenAll(all).WaitAsync(Backends.Timeout);
        Assert.Equal(delays.Order(), order);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_canceled_delay_ends_canceled_and_never_fires(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        using CancellationTokenSource cts = new();
        Task delay = loop.Delay(TimeSpan.FromMinutes(10), cts.Token);
        await loop.Delay(TimeSpan.FromMilliseconds(5));
        Assert.False(delay.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay.WaitAsync(Backends.Timeout));
        Assert.True(delay.IsCanceled);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Delays_still_pending_when_the_group_stops_end_as_canceled(LoopBackendKind backend)
    {
        EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        Task far = loop.Delay(TimeSpan.FromHours(1));
        // Asked for from inside spawned work too, which is what a background job's loop looks like. Whether the loop
        // armed them before it stopped or arms them while it exits, both must end.
        TaskCompletionSource asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task farFromLoop = loop.Spawn(() =>
        {
            Task delay = loop.Delay(TimeSpan.FromHours(2));
            asked.SetResult();
            return delay;
        });
        await asked.Task.WaitAsync(Backends.Timeout);

        await group.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => far.WaitAsync(Backends.Timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => farFromLoop.WaitAsync(Backends.Timeout));
        Assert.True(far.IsCanceled);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_periodic_timer_whose_loop_stops_ends_its_wait_with_false(LoopBackendKind backend)
    {
        EventLoopGroup group = Backends.Start(backend);
        using LoopPeriodicTimer timer = group.Loops[0].CreatePeriodicTimer(TimeSpan.FromHours(1));
        ValueTask<bool> wait = timer.WaitForNextTickAsync();

        await group.DisposeAsync();

        Assert.False(await wait.AsTask().WaitAsync(Backends.Timeout));
        Assert.False(await timer.WaitForNextTickAsync());
    }

    [Fact]
    public void Invalid_delays_are_refused_with_the_range()
    {
        using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto);
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = group.Loops[0].Delay(TimeSpan.FromMilliseconds(-5)); });
        Assert.Contains("between 0 and", ex.Message);
        Assert.True(group.Loops[0].Delay(TimeSpan.Zero).IsCompletedSuccessfully);
        Assert.True(group.Loops[0].Delay(TimeSpan.FromSeconds(1), new CancellationToken(true)).IsCanceled);
    }

    [Fact]
    public void Wheel_fires_far_timers_only_in_their_round()
    {
        long origin = 0;
        TimerWheel wheel = new(origin);
        List<string> fired = [];
        RecordingTimer near = new("near", fired), far = new("far", fired);
        // 2000 ms is several turns of a 512-slot wheel: it shares a slot with earlier ticks and must wait its round.
        wheel.Add(near, TimeSpan.FromMilliseconds(3), origin);
        wheel.Add(far, TimeSpan.FromMilliseconds(2000), origin);
        long perMs = Stopwatch.Frequency / 1000;
        wheel.Advance(origin + 3 * perMs);
        Assert.Equal(["near"], fired);
        wheel.Advance(origin + (2000 - 512) * perMs);
        Assert.Equal(["near"], fired);
        Assert.True(wheel.NanosecondsUntilNext(origin + (2000 - 512) * perMs) > 0);
        wheel.Advance(origin + 1999 * perMs);
        Assert.Equal(["near"], fired);
        wheel.Advance(origin + 2000 * perMs);
        Assert.Equal(["near", "far"], fired);
        Assert.Equal(-1, wheel.NanosecondsUntilNext(origin + 2000 * perMs));
        Assert.False(wheel.Remove(far));
    }

    private sealed class RecordingTimer(string name, List<string> log) : TimerEntry
    {
        public override void OnExpired() => log.Add(name);

        public override void OnLoopStopped() => log.Add(name + " stopped");
    }
}
