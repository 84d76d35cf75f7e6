namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// How long the runtime suspended managed threads for garbage collection since a given moment, from samples of
/// <see cref="GC.GetTotalPauseDuration"/> that the stall detector takes on each check.
/// </summary>
/// <remarks>
/// A blocking GC suspends every managed thread, a loop's among them: to the kernel that thread sleeps, and to the stall
/// detector its work item runs on and on. That time is the runtime's, not the application's, and another thread would
/// be suspended just the same, so it must not count towards a hand-off. The samples are taken on the detector's thread
/// only (no locking), once per check period; the pause at a work item's start is read from the last sample at or
/// before it, so a pause that ended between that sample and the start is discounted too: that can delay the report of
/// a real stall by at most that pause, never prevent it, since a blocked thread's time keeps growing.
/// </remarks>
internal sealed class GcPauseHistory
{
    // Enough for a work item that started this many check periods ago; an older one is compared with the oldest sample,
    // which counts fewer pauses, never more.
    private const int Capacity = 64;

    private readonly long[] _ticks = new long[Capacity];
    private readonly long[] _pauseMs = new long[Capacity];
    private int _count;
    private int _next;

    /// <summary>Records the total GC pause so far at <paramref name="nowTicks"/> (<see cref="Environment.TickCount64"/>).</summary>
    public void Sample(long nowTicks) => Record(nowTicks, (long)GC.GetTotalPauseDuration().TotalMilliseconds);

    /// <summary>Records a given total (tests).</summary>
    internal void Record(long nowTicks, long totalPauseMs)
    {
        _ticks[_next] = nowTicks;
        _pauseMs[_next] = totalPauseMs;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <summary>
    /// Milliseconds of GC pause between <paramref name="sinceTicks"/> and the latest sample; 0 before any sample.
    /// </summary>
    public long PausedSince(long sinceTicks)
    {
        if (_count == 0)
        {
            return 0;
        }

        int latest = (_next - 1 + Capacity) % Capacity;
        int oldest = (_next - _count + Capacity) % Capacity;
        long before = _pauseMs[oldest];
        for (int i = 0; i < _count; i++)
        {
            int index = (oldest + i) % Capacity;
            if (_ticks[index] > sinceTicks)
            {
                break;
            }

            before = _pauseMs[index];
        }

        return _pauseMs[latest] - before;
    }
}
