using System.Diagnostics;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Time;

namespace Zokio.Runtime.Tests;

/// <summary>The hierarchical wheel on its own, driven by a synthetic clock.</summary>
public class TimerWheelTests
{
    private static readonly long PerMs = Stopwatch.Frequency / 1000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_timers_fire_once_never_early_and_no_later_than_the_first_advance_past_their_deadline(int seed)
    {
        Random random = new(seed);
        Clock clock = new();
        TimerWheel wheel = new(0);
        List<CountingTimer> timers = [];
        long now = 0;
        for (int step = 0; step < 3000; step++)
        {
            switch (random.Next(10))
            {
                case < 5:
                    // Deadlines spread over every level: 1 ms to about 12 days.
                    long delayMs = (long)Math.Pow(2, random.NextDouble() * 30);
                    // The true deadline, rounded up: the wheel must not fire before it, nor miss it.
                    CountingTimer timer = new(clock, deadlineMs: (long)Math.Ceiling(((double)now / PerMs) + delayMs));
                    wheel.Add(timer, TimeSpan.FromMilliseconds(delayMs), now);
                    timers.Add(timer);
                    break;
                case < 6 when timers.Count > 0:
                    CountingTimer victim = timers[random.Next(timers.Count)];
                    if (wheel.Remove(victim))
                    {
                        Assert.Equal(0, victim.Fired);
                        victim.Removed = true;
                    }

                    break;
                default:
                    // Small steps, and now and then a jump of hours (a loop that slept, or a far timer's turn).
                    now += random.Next(4) == 0 ? random.NextInt64(PerMs * 3_600_000 * 30) : random.NextInt64(PerMs * 100);
                    clock.NowMs = now / PerMs;
                    wheel.Advance(now);
                    foreach (CountingTimer t in timers)
                    {
                        Assert.True(t.Fired <= 1, "A timer fired twice.");
                        Assert.False(t.Removed && t.Fired > 0, "A removed timer fired.");
                        Assert.True(t.Fired == 0 || t.FiredAtMs >= t.DeadlineMs, $"A timer due at {t.DeadlineMs} ms fired at {t.FiredAtMs} ms.");
                        Assert.True(t.Removed || t.Fired == 1 || t.DeadlineMs > clock.NowMs, $"A timer due at {t.DeadlineMs} ms had not fired at {clock.NowMs} ms.");
                    }

                    break;
            }
        }

        Assert.Equal(timers.Count(t => t.Fired == 0 && !t.Removed), wheel.Count);
    }

    [Fact]
    public void The_next_wake_up_is_never_after_the_earliest_deadline()
    {
        Clock clock = new();
        TimerWheel wheel = new(0);
        CountingTimer far = new(clock, deadlineMs: 5_000_000), near = new(clock, deadlineMs: 700);
        wheel.Add(far, TimeSpan.FromMilliseconds(5_000_000), 0);
        wheel.Add(near, TimeSpan.FromMilliseconds(700), 0);
        // 700 ms sits on level 1: the wheel may wake at its slot's start (640 ms) to move it down, but not after 700 ms.
        long wait = wheel.NanosecondsUntilNext(0);
        Assert.InRange(wait, 1, 700_000_000);
        wheel.Advance(700 * PerMs);
        Assert.Equal(1, near.Fired);
        Assert.Equal(0, far.Fired);
        Assert.InRange(wheel.NanosecondsUntilNext(700 * PerMs), 1, (5_000_000 - 700) * 1_000_000L);
        Assert.True(wheel.Remove(far));
        Assert.Equal(-1, wheel.NanosecondsUntilNext(700 * PerMs));
    }

    [Fact]
    public void Near_timers_fire_on_their_tick_among_many_far_ones()
    {
        Clock clock = new();
        TimerWheel wheel = new(0);
        CountingTimer[] far = [.. Enumerable.Range(0, 100_000).Select(i => new CountingTimer(clock, deadlineMs: 3_600_000 + i))];
        foreach (CountingTimer t in far)
        {
            wheel.Add(t, TimeSpan.FromMilliseconds(t.DeadlineMs), 0);
        }

        for (int ms = 1; ms <= 1000; ms++)
        {
            CountingTimer near = new(clock, deadlineMs: ms);
            wheel.Add(near, TimeSpan.FromMilliseconds(1), (ms - 1) * PerMs);
            clock.NowMs = ms;
            wheel.Advance(ms * PerMs);
            Assert.Equal(1, near.Fired);
        }

        Assert.All(far, t => Assert.Equal(0, t.Fired));
        Assert.Equal(100_000, wheel.Count);
    }

    [Fact]
    public void Absolute_deadlines_round_up_to_the_next_tick()
    {
        TimerWheel wheel = new(0);
        CountingTimer timer = new(new Clock(), deadlineMs: 11);
        wheel.AddAt(timer, (10 * PerMs) + 1);
        wheel.Advance(10 * PerMs + (PerMs / 2));
        Assert.Equal(0, timer.Fired);
        wheel.Advance(11 * PerMs);
        Assert.Equal(1, timer.Fired);
    }

    private sealed class Clock
    {
        public long NowMs { get; set; }
    }

    private sealed class CountingTimer(Clock clock, long deadlineMs) : TimerEntry
    {
        public long DeadlineMs { get; } = deadlineMs;

        public int Fired { get; private set; }

        public long FiredAtMs { get; private set; }

        public bool Removed { get; set; }

        public override void OnExpired()
        {
            Fired++;
            FiredAtMs = clock.NowMs;
        }

        public override void OnLoopStopped()
        {
        }
    }
}
