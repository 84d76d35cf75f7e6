namespace Zokio.Runtime.Loops;

// The group's side of work stealing: which loops sleep, and waking one of them for a backlog.
public sealed partial class EventLoopGroup
{
    // Loops (with stealing on) that are asleep in the kernel or about to be: one read tells whoever queues a backlog
    // whether there is anyone to wake, without looking at every loop.
    private int _sleepingLoops;

    /// <summary>Loops that sleep or are about to (counted only when work stealing is on).</summary>
    internal int SleepingLoops => Volatile.Read(ref _sleepingLoops);

    /// <summary>A loop is about to sleep. Interlocked, so its look at other loops' backlogs comes after this write.</summary>
    internal void EnterSleep() => Interlocked.Increment(ref _sleepingLoops);

    /// <summary>The loop that called <see cref="EnterSleep"/> is awake again.</summary>
    internal void LeaveSleep() => Interlocked.Decrement(ref _sleepingLoops);

    /// <summary>True when a loop other than <paramref name="thief"/> has spawned work waiting that it could take.</summary>
    internal bool HasStealableBacklogBesides(EventLoop thief)
    {
        foreach (EventLoop loop in _loops)
        {
            if (loop != thief && loop.HasStealableBacklog)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Wakes one sleeping loop, other than <paramref name="busy"/> and chosen at random, to steal.</summary>
    internal void WakeLoopToSteal(EventLoop busy)
    {
        int count = _loops.Length;
        int start = Random.Shared.Next(count);
        for (int i = 0; i < count; i++)
        {
            EventLoop loop = _loops[(start + i) % count];
            if (loop != busy && loop.WakeToSteal())
            {
                return;
            }
        }
    }
}
