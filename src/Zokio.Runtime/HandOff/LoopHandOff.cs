using Microsoft.Extensions.Logging;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.HandOff;

/// <summary>
/// Which thread runs a loop, and the one state machine by which a thread blocked in application work gives the loop
/// to a successor (adaptive scheduling) and leaves once its blocking call returns.
/// </summary>
/// <remarks>
/// <para>States of a loop: <b>owned</b> by one thread; <b>handed off</b> — the owner was found asleep inside one
/// application work item past the stall threshold, a successor thread owns the loop and the blocked thread is the
/// loop's one <see cref="Blocked"/> predecessor; back to <b>owned</b> once the predecessor's blocking call returns and
/// it has drained its backend.</para>
/// <para>While a predecessor is blocked, all of the loop's application work goes to the thread pool, so the successor
/// only does I/O and cannot block in turn: there is never more than one blocked predecessor per loop, and a
/// predecessor never lingers once its blocking call returns (its drain cancels and moves what its ring still held).</para>
/// <para>A backend the kernel ties to its thread (io_uring with SINGLE_ISSUER/DEFER_TASKRUN) is not shared: the
/// successor opens its own and re-issues the loop's readiness waits there; the operations' tokens (slot + generation)
/// make every completion the old ring still holds either the live one, forwarded to the successor by token, or a
/// recognisably stale copy.</para>
/// <para>What happens to the I/O itself (which operations move, the old ring's drain, forwarding, resubmission) is
/// <see cref="IoMigration"/>'s: this class only decides when it happens.</para>
/// </remarks>
internal sealed class LoopHandOff(EventLoop loop, ILogger logger, bool handOffWhenBlocked)
{
    private readonly IoMigration _io = new(loop);
    private volatile LoopThread? _owner;
    private volatile LoopThread? _blocked;

    /// <summary>The thread running the loop now.</summary>
    public LoopThread? Owner => _owner;

    /// <summary>The predecessor still inside its blocking application work, if any.</summary>
    public LoopThread? Blocked => _blocked;

    /// <summary>True while a predecessor is blocked: application work then runs on the thread pool.</summary>
    public bool IsDivertingApplicationWork => _blocked is not null;

    /// <summary>On a thread that starts running the loop (the first one, or a successor that took over).</summary>
    public void BecomeOwner(LoopThread self) => _owner = self;

    /// <summary>
    /// Called by the stall detector: reports application work that runs past the threshold on a thread the kernel says
    /// is asleep and, in adaptive mode, starts a successor thread (<paramref name="startSuccessor"/>) for the loop. Time
    /// the runtime spent in GC pauses (<paramref name="gcPauses"/>) does not count: every managed thread was suspended.
    /// </summary>
    public void CheckForStall(long nowTicks, long thresholdMs, GcPauseHistory gcPauses, Action<LoopThread> startSuccessor)
    {
        LoopThread? owner = _owner;
        if (owner is null || !owner.TryGetRunningWork(out long state, out long sequence, out long startedAt))
        {
            return;
        }

        long blockedMs = nowTicks - startedAt;
        if (blockedMs < thresholdMs || sequence == owner.LastReportedSequence)
        {
            return;
        }

        blockedMs -= gcPauses.PausedSince(startedAt);
        if (blockedMs < thresholdMs)
        {
            return;
        }

        // A thread that is running, or waiting for a CPU (a busy machine, the moments after a GC pause), is not
        // blocked: handing its loop to yet another thread would only add threads. Only a sleeping thread counts.
        if (!Native.ThreadState.IsBlocked(owner.KernelThreadId))
        {
            return;
        }

        owner.LastReportedSequence = sequence;
        Interlocked.Increment(ref loop.Counters.Stalls);
        string label = loop.DescribeApplicationWork();
        if (!handOffWhenBlocked || _blocked is not null)
        {
            RuntimeLog.LoopStalled(logger, loop.Index, blockedMs, label);
            ZokioEventSource.Log.LoopStalled(loop.Index, blockedMs, label);
            return;
        }

        if (!owner.TryMarkHandedOff(state))
        {
            return;
        }

        _blocked = owner;
        // What the kernel says the thread waits on (a futex: a lock or a Wait; a socket; a disk read), so a route that
        // only waited for a lock held by a preempted thread is not mistaken for one that blocks.
        RuntimeLog.LoopHandedOff(logger, loop.Index, blockedMs, label, Native.ThreadState.DescribeWait(owner.KernelThreadId));
        ZokioEventSource.Log.LoopHandedOff(loop.Index, blockedMs, label);
        Interlocked.Increment(ref loop.Counters.HandOffs);
        try
        {
            startSuccessor(owner);
        }
        catch (Exception ex)
        {
            // No thread to take over (out of memory, a thread limit): the blocked thread keeps its loop when its work
            // returns. Thrown on, this would escape the stall detector's thread and end the process.
            FailTakeOver(owner, ex);
        }
    }

    /// <summary>
    /// On the successor thread: takes the loop from the blocked <paramref name="previous"/> thread. A thread-bound
    /// backend is replaced by a new one made here (<paramref name="createBackend"/>), which re-issues the loop's
    /// readiness waits. Returns the backend to run, or null (and gives the loop back) when it cannot be made.
    /// </summary>
    public LoopBackend? TakeOver(LoopThread previous, Func<LoopBackend> createBackend)
    {
        try
        {
            LoopBackend old = previous.Backend;
            if (!old.IsThreadBound)
            {
                return old;
            }

            LoopBackend replacement = createBackend();
            _io.AdoptWaits(old, replacement);
            return replacement;
        }
        catch (Exception ex)
        {
            FailTakeOver(previous, ex);
            return null;
        }
    }

    /// <summary>No successor will run the loop: the blocked thread keeps it (<see cref="Leave"/> returns false).</summary>
    private void FailTakeOver(LoopThread previous, Exception exception)
    {
        RuntimeLog.HandOffFailed(logger, loop.Index, exception);
        previous.TakeOverFailed = true;
        previous.TakeOverDone.Set();
    }

    /// <summary>On the successor, once it owns the loop: lets the blocked thread leave when it returns.</summary>
    public void CompleteTakeOver(LoopThread previous) => previous.TakeOverDone.Set();

    /// <summary>
    /// On a thread whose application work returned after the loop was handed off: waits for the take-over, then drains
    /// its own backend into the loop (<see cref="IoMigration.Drain"/>) and returns true: the thread leaves. Returns false
    /// when the take-over failed: the thread keeps the loop.
    /// </summary>
    /// <remarks>
    /// Whether to drain is decided by the backend itself, as <see cref="TakeOver"/> decided it, never by which backend
    /// the loop holds when the work returns: that work may return before the successor has installed its own, and a
    /// ring left undrained then keeps its operations (a send to a slow reader, say) where no thread will ever reap them.
    /// </remarks>
    public bool Leave(LoopThread self)
    {
        self.TakeOverDone.Wait();
        if (self.TakeOverFailed)
        {
            self.ResumeAfterFailedHandOff();
            _blocked = null;
            return false;
        }

        _blocked = null;
        RuntimeLog.LoopRecovered(logger, loop.Index);
        ZokioEventSource.Log.LoopRecovered(loop.Index);
        if (self.Backend.IsThreadBound)
        {
            // The successor made a backend of its own (TakeOver): this one still holds the loop's operations.
            _io.Drain(self.Backend);
        }

        return true;
    }
}
