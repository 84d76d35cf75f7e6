using System.Diagnostics;
using System.Numerics;

namespace Zokio.Runtime.Time;

/// <summary>
/// A hierarchical timer wheel with 1 ms ticks (Varghese and Lauck's scheme 7, laid out as Tokio's driver does): six
/// levels of 64 slots, level <c>k</c> slots <c>64^k</c> ticks wide. Adding and removing a timer is O(1); finding the
/// next deadline looks at six occupancy bitmaps; a timer is touched again only when its slot comes due, at most once
/// per level on its way down. Nothing is ever rescanned, so any number of far timers costs a loop iteration nothing.
/// </summary>
/// <remarks>
/// A timer never fires early: its deadline is rounded up to a whole tick and it fires only when the clock, rounded
/// down, has reached that tick. A timer sits on the lowest level whose slot can tell its deadline apart from the wheel's
/// current tick, so every timer on level <c>k</c> is due before any timer on level <c>k + 1</c>; when a slot above level
/// 0 comes due its timers move down (or fire). Single-threaded: only the owning loop touches it.
/// </remarks>
internal sealed class TimerWheel
{
    private const int SlotBits = 6;
    private const int SlotsPerLevel = 1 << SlotBits;
    private const int SlotMask = SlotsPerLevel - 1;

    // 64^6 ticks is 795 days, beyond the longest delay accepted (int.MaxValue ms, 24.8 days).
    private const int LevelCount = 6;
    private static readonly double TicksPerTimestamp = 1000.0 / Stopwatch.Frequency;

    private readonly TimerEntry?[] _slots = new TimerEntry?[LevelCount * SlotsPerLevel];
    private readonly ulong[] _occupied = new ulong[LevelCount];
    private readonly long _origin;

    // Every tick up to and including this one has been processed.
    private long _elapsed;
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
        double exact = (nowTimestamp - _origin) * TicksPerTimestamp + delay.TotalMilliseconds;
        Insert(entry, (long)Math.Ceiling(exact));
    }

    /// <summary>Schedules <paramref name="entry"/> to expire at the Stopwatch timestamp <paramref name="deadlineTimestamp"/>.</summary>
    public void AddAt(TimerEntry entry, long deadlineTimestamp) =>
        Insert(entry, (long)Math.Ceiling((deadlineTimestamp - _origin) * TicksPerTimestamp));

    /// <summary>Unschedules <paramref name="entry"/>; returns false if it already fired or was removed.</summary>
    public bool Remove(TimerEntry entry)
    {
        if (!entry.Scheduled)
        {
            return false;
        }

        Unlink(entry);
        return true;
    }

    /// <summary>Unschedules every timer and returns them, for a loop that stops with timers still armed.</summary>
    public List<TimerEntry> RemoveAll()
    {
        List<TimerEntry> removed = new(_count);
        for (int slot = 0; slot < _slots.Length; slot++)
        {
            while (_slots[slot] is { } entry)
            {
                Unlink(entry);
                removed.Add(entry);
            }
        }

        return removed;
    }

    /// <summary>Fires every timer whose deadline tick is at or before the tick of <paramref name="nowTimestamp"/>.</summary>
    public void Advance(long nowTimestamp)
    {
        long now = TickOf(nowTimestamp);
        if (now <= _elapsed)
        {
            return;
        }

        // Slot by slot in deadline order: a callback may add or remove timers, and each slot is read afresh.
        while (_count > 0 && TryFindNextSlot(out int slot, out long slotStart) && slotStart <= now)
        {
            _elapsed = Math.Max(_elapsed, slotStart);
            ExpireOrCascade(slot);
        }

        _elapsed = now;
    }

    /// <summary>How long the loop may sleep before the next timer is due: nanoseconds, or -1 when no timer is set.</summary>
    /// <remarks>For a slot above level 0 this is when the slot starts: the loop wakes then, moves its timers down, and sleeps again.</remarks>
    public long NanosecondsUntilNext(long nowTimestamp)
    {
        if (_count == 0 || !TryFindNextSlot(out _, out long slotStart))
        {
            return -1;
        }

        double nowMs = (nowTimestamp - _origin) * TicksPerTimestamp;
        double waitMs = slotStart - nowMs;
        return waitMs <= 0 ? 0 : (long)Math.Ceiling(waitMs * 1_000_000);
    }

    private void Insert(TimerEntry entry, long deadlineTick)
    {
        Debug.Assert(!entry.Scheduled);
        long deadline = Math.Max(deadlineTick, _elapsed + 1);
        int level = LevelOf(deadline);
        int slot = (level * SlotsPerLevel) + (int)((deadline >> (level * SlotBits)) & SlotMask);
        entry.DeadlineTick = deadline;
        entry.Slot = slot;
        entry.Scheduled = true;
        entry.Previous = null;
        ref TimerEntry? head = ref _slots[slot];
        entry.Next = head;
        if (head is not null)
        {
            head.Previous = entry;
        }

        head = entry;
        _occupied[level] |= 1UL << (slot & SlotMask);
        _count++;
    }

    /// <summary>The lowest level whose slots tell <paramref name="deadline"/> apart from the current tick.</summary>
    private int LevelOf(long deadline)
    {
        // The highest bit where the deadline differs from now picks the level (the low six bits always count as differing).
        ulong differing = (ulong)(_elapsed ^ deadline) | SlotMask;
        int level = (63 - BitOperations.LeadingZeroCount(differing)) / SlotBits;
        Debug.Assert(level < LevelCount, "Deadlines are at most int.MaxValue ms away; the wheel covers 64^6 ms.");
        return Math.Min(level, LevelCount - 1);
    }

    /// <summary>The next slot that holds timers, in deadline order, and the tick at which it starts.</summary>
    private bool TryFindNextSlot(out int slot, out long slotStart)
    {
        for (int level = 0; level < LevelCount; level++)
        {
            ulong occupied = _occupied[level];
            if (occupied == 0)
            {
                continue;
            }

            int shift = level * SlotBits;
            int current = (int)((_elapsed >> shift) & SlotMask);
            // The first occupied slot at or after the current one. Slots before it cannot be occupied: every timer on
            // this level is due within the current slot of the level above.
            int index = (BitOperations.TrailingZeroCount(BitOperations.RotateRight(occupied, current)) + current) & SlotMask;
            long levelStart = _elapsed & ~((1L << (shift + SlotBits)) - 1);
            slotStart = levelStart + ((long)index << shift);
            slot = (level * SlotsPerLevel) + index;
            return true;
        }

        slot = -1;
        slotStart = long.MaxValue;
        return false;
    }

    /// <summary>Fires the timers of a due slot whose deadline has come and moves the others to lower levels.</summary>
    private void ExpireOrCascade(int slot)
    {
        while (_slots[slot] is { } entry)
        {
            Unlink(entry);
            if (entry.DeadlineTick <= _elapsed)
            {
                entry.OnExpired();
            }
            else
            {
                Insert(entry, entry.DeadlineTick);
            }
        }
    }

    private void Unlink(TimerEntry entry)
    {
        if (entry.Previous is not null)
        {
            entry.Previous.Next = entry.Next;
        }
        else
        {
            _slots[entry.Slot] = entry.Next;
            if (entry.Next is null)
            {
                _occupied[entry.Slot / SlotsPerLevel] &= ~(1UL << (entry.Slot & SlotMask));
            }
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
