using System.Collections.Concurrent;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Scheduling;

namespace Zokio.Runtime.Loops;

// Work stealing (EventLoopGroupOptions.WorkStealing): spawned work that has not started waits in a queue of its own,
// which the loop runs after its run queue and from which a loop about to sleep takes half.
//
// Only SpawnedWork is ever in that queue. Everything else a loop runs (I/O completions, items queued with Schedule, a
// connection's pipe callbacks, posts to the loop's SynchronizationContext, the continuations of work already started)
// is in the run queue, which no other loop reads: per-connection order holds.
//
// The owner and thieves dequeue from the same ConcurrentQueue, which hands each item out once; a thief moves what it
// took into its own spawn queue, so an item is in exactly one queue until a loop runs it.
//
// Wake-ups: a loop about to sleep counts itself in the group's sleeping loops, then looks for a backlog elsewhere;
// whoever queues spawned work looks at that count after queuing and wakes one sleeping loop when two or more items
// wait. Both sides write, with a full fence, before they read, so at least one of them sees the other.
public sealed partial class EventLoop
{
    // A backlog, which idle loops take from and which wakes a sleeping one: with a single item waiting, the owner
    // (awake, since queuing woke it) runs it next, so it stays home; with two, one of them would wait for the other.
    private const int StealMinimum = 2;

    // At most this many items per steal: the thief takes a bounded slice, and later steals keep spreading the rest.
    private const int MaxStealBatch = 256;

    // Spawned work run per iteration after the run queue, so a long backlog of CPU-bound work still lets I/O in.
    private const int MaxSpawnedPerIteration = 64;

    private readonly ConcurrentQueue<SpawnedWork> _spawned = new();

    /// <summary>True when this loop may take work from others now: stealing is on, and it is neither stopping nor diverting.</summary>
    private bool CanSteal => _stealing && !_stopRequested && !_handOff.IsDivertingApplicationWork;

    /// <summary>True when spawned work waits here that an idle loop may take.</summary>
    internal bool HasStealableBacklog => _spawned.Count >= StealMinimum;

    private bool IsIdle => _work.IsEmpty && _spawned.IsEmpty;

    /// <summary>Queues spawned work on this loop; safe from any thread.</summary>
    private void EnqueueSpawned(SpawnedWork work)
    {
        _spawned.Enqueue(work);
        if (_exited)
        {
            // The loop has exited (perhaps while this was queued, after its last look at the queue).
            RunAfterExit();
            return;
        }

        if (Environment.CurrentManagedThreadId != _ownerThreadId)
        {
            WakeIfSleeping();
        }

        // The queue's interlocked enqueue comes before this read; a loop going to sleep counts itself before it reads
        // the queues (RunIterations): one of the two sees the other.
        if (_stealing && _group.SleepingLoops > 0 && _spawned.Count >= StealMinimum)
        {
            _group.WakeLoopToSteal(this);
        }
    }

    /// <summary>Wakes the loop when it sleeps or is about to; true when this call did it.</summary>
    private bool WakeIfSleeping()
    {
        // Pairs with the loop's Interlocked.Exchange(ref _sleeping, 1) then its look at the queues.
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _backend?.Wake();
            return true;
        }

        return false;
    }

    /// <summary>From a loop with a backlog: wakes this loop if it sleeps and may steal; true when it was woken.</summary>
    internal bool WakeToSteal() =>
        CanSteal && Environment.CurrentManagedThreadId != _ownerThreadId && WakeIfSleeping();

    /// <summary>On this loop's thread, with nothing of its own to run: takes half the backlog of a loop chosen at random.</summary>
    private bool TrySteal()
    {
        IReadOnlyList<EventLoop> loops = _group.Loops;
        int count = loops.Count;
        int start = Random.Shared.Next(count);
        for (int i = 0; i < count; i++)
        {
            EventLoop victim = loops[(start + i) % count];
            if (victim == this)
            {
                continue;
            }

            int stolen = victim.GiveHalfTo(this);
            if (stolen > 0)
            {
                Counters.Steals += stolen;
                if (stolen >= StealMinimum && _group.SleepingLoops > 0)
                {
                    // A backlog here now: another sleeping loop may share it.
                    _group.WakeLoopToSteal(this);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Called on <paramref name="thief"/>'s thread: moves half of this loop's spawn queue (oldest first, at most
    /// <see cref="MaxStealBatch"/>) into the thief's, and returns how many items moved.
    /// </summary>
    private int GiveHalfTo(EventLoop thief)
    {
        int waiting = _spawned.Count;
        if (waiting < StealMinimum)
        {
            return 0;
        }

        int wanted = Math.Min(waiting / 2, MaxStealBatch);
        int taken = 0;
        // The owner dequeues concurrently: the queue may hold less by now, which only makes the batch smaller.
        while (taken < wanted && _spawned.TryDequeue(out SpawnedWork? work))
        {
            work.MoveTo(thief);
            thief._spawned.Enqueue(work);
            taken++;
        }

        return taken;
    }

    /// <summary>Runs a batch of spawned work after the run queue; false when another thread took the loop over (hand-off).</summary>
    private bool RunSpawnedWork(LoopThread self)
    {
        for (int i = 0; i < MaxSpawnedPerIteration && _spawned.TryDequeue(out SpawnedWork? work); i++)
        {
            if (_handOff.IsDivertingApplicationWork)
            {
                // As for other application work while a predecessor is blocked; its awaits still come back to this loop.
                System.Threading.ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
                continue;
            }

            self.BeginApplicationWork(Environment.TickCount64);
            RunGuarded(work);
            if (!self.EndApplicationWork() && LeaveAfterHandOff(self))
            {
                return false;
            }
        }

        return true;
    }

    private void RunGuarded(SpawnedWork work)
    {
        try
        {
            // Faults of the work go to its task: only a bug of the runtime's own would land here.
            work.Run();
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref Counters.WorkItemFailures);
            RuntimeLog.WorkItemFailed(_logger, Index, ex);
        }
    }
}
