using System.Diagnostics;

namespace Zokio.Runtime.Loops;

/// <summary>
/// A hashed timer wheel with 1 ms ticks (Varghese and Lauck): O(1) to add and remove a timer, and per tick only the
/// timers of one slot are looked at. Timers further out than one turn share slots and wait their round.
/// </summary>
/// <remarks>
/// A timer never fires early: its deadline is rounded up to a whole tick and it fires only when the clock, rounded
/// down, has reached that tick. Single-threaded: only the owning loop touches it.
/// </remarks>
internal sealed class TimerWheel
{
    private const int SlotCount = 512;
    private const int SlotMask = SlotCount - 1;
    private static readonly double TicksPerTimestamp = 1000.0 / Stopwatch.Frequency;

    private readonly TimerEntry?[] _slots = new TimerEntry?[SlotCount];
    private readonly long _origin;
    private long _currentTick;
    private long _earliestTick = long.MaxValue;
    private int _count;

    public TimerWheel(long originTimestamp)
    {
        _origin = originTimestamp;
    }

    public int Count => _count;

    /// <summary>The wheel tick (whole milliseconds since the origin, rounded down) of a Stopwatch timestamp.</summary>
    public long TickOf(long timestamp) => (long)((timestamp - _origin) * TicksPerTimestamp);

    /// <summary>Schedules <paramref name="entry"/> to expire <paramref name="delay"/> after <paramref name="nowTimestamp"/>.</summary>
    public void Add(TimerEntry entry, TimeSpan delay, long nowTimestamp)
    {
        Debug.Assert(!entry.Scheduled);
        double exact = (nowTimestamp - _origin) * TicksPerTimestamp + delay.TotalMilliseconds;
        long deadline = Math.Max((long)Math.Ceiling(exact), _currentTick + 1);
        entry.DeadlineTick = deadline;
        entry.Scheduled = true;
        ref TimerEntry? head = ref _slots[deadline & SlotMask];
        entry.Previous = null;
        entry.Next = head;
        if (head is not null)
        {
            head.Previous = entry;
        }

        head = entry;
        _count++;
        _earliestTick = Math.Min(_earliestTick, deadline);
    }

    /// <summary>Unschedules <paramref name="entry"/>; returns false if it already fired or was removed.</summary>
    public bool Remove(TimerEntry entry)
    {
        if (!entry.Scheduled)
        {
            return false;
        }

        Unlink(entry);
        // _earliestTick may now be stale-early; that costs at most one needless wake-up, never a late timer.
        return true;
    }

    /// <summary>Fires every timer whose deadline tick is at or before the tick of <paramref name="nowTimestamp"/>.</summary>
    public void Advance(long nowTimestamp)
    {
        long now = TickOf(nowTimestamp);
        if (now <= _currentTick)
        {
            return;
        }

        if (_count == 0 || now < _earliestTick)
        {
            _currentTick = now;
            return;
        }

        // After a long wait every slot may hold due timers; one full turn visits each slot once.
        long last = Math.Min(now, _currentTick + SlotCount);
        for (long tick = _currentTick + 1; tick <= last; tick++)
        {
            TimerEntry? entry = _slots[tick & SlotMask];
            while (entry is not null)
            {
                TimerEntry? next = entry.Next;
                if (entry.DeadlineTick <= now)
                {
                    Unlink(entry);
                    entry.OnExpired();
                }

                entry = next;
            }
        }

        _currentTick = now;
        _earliestTick = FindEarliest();
    }

    /// <summary>How long the loop may sleep before the next timer is due: nanoseconds, or -1 when no timer is set.</summary>
    public long NanosecondsUntilNext(long nowTimestamp)
    {
        if (_count == 0)
        {
            return -1;
        }

        double nowMs = (nowTimestamp - _origin) * TicksPerTimestamp;
        double waitMs = _earliestTick - nowMs;
        return waitMs <= 0 ? 0 : (long)Math.Ceiling(waitMs * 1_000_000);
    }

    private long FindEarliest()
    {
        if (_count == 0)
        {
            return long.MaxValue;
        }

        long earliest = long.MaxValue;
        foreach (TimerEntry? head in _slots)
        {
            for (TimerEntry? entry = head; entry is not null; entry = entry.Next)
            {
                earliest = Math.Min(earliest, entry.DeadlineTick);
            }
        }

        return earliest;
    }

    private void Unlink(TimerEntry entry)
    {
        if (entry.Previous is not null)
        {
            entry.Previous.Next = entry.Next;
        }
        else
        {
            _slots[entry.DeadlineTick & SlotMask] = entry.Next;
        }

        if (entry.Next is not null)
        {
            entry.Next.Previous = entry.Previous;
        }

        entry.Next = entry.Previous = null;
        entry.Scheduled = false;
        _count--;
    }
}
