namespace Zokio.Runtime.Time;

/// <summary>A timer on a loop's <see cref="TimerWheel"/>: an intrusive list node with a deadline in wheel ticks.</summary>
internal abstract class TimerEntry
{
    internal TimerEntry? Next;
    internal TimerEntry? Previous;
    internal long DeadlineTick;

    // Which of the wheel's slots holds the entry (level * 64 + index), so removal is O(1).
    internal int Slot;
    internal bool Scheduled;

    /// <summary>Runs on the loop thread once the deadline has passed.</summary>
    public abstract void OnExpired();

    /// <summary>Runs instead of <see cref="OnExpired"/> when the loop stops first: ends the wait, so nothing awaits a timer that will never fire.</summary>
    public abstract void OnLoopStopped();
}
