using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.HandOff;

/// <summary>
/// One thread that runs (or ran) a loop, as the hand-off sees it: what phase it is in, since when, and the backend it
/// submitted to.
/// </summary>
/// <remarks>
/// The phase and a sequence number of the application work item share one 64-bit word, so the stall detector's
/// compare-and-swap to <see cref="ThreadPhase.HandedOff"/> can only hit the very item it found running, and the
/// thread's own swap back to idle tells it for certain whether that happened while the item ran.
/// </remarks>
internal sealed class LoopThread(int kernelThreadId, LoopBackend backend)
{
    private long _state;
    private long _sequence;
    private long _startedAt;

    public int KernelThreadId { get; } = kernelThreadId;

    /// <summary>The backend this thread submits to.</summary>
    public LoopBackend Backend { get; } = backend;

    /// <summary>Set by a successor once it has taken over, or failed to (<see cref="TakeOverFailed"/>).</summary>
    public ManualResetEventSlim TakeOverDone { get; } = new();

    public bool TakeOverFailed { get; set; }

    /// <summary>The sequence number of the last item reported as a stall, so one item is reported once.</summary>
    public long LastReportedSequence { get; set; }

    /// <summary>On this thread: application work starts (<see cref="Environment.TickCount64"/> now).</summary>
    public void BeginApplicationWork(long now)
    {
        Volatile.Write(ref _startedAt, now);
        long sequence = ++_sequence;
        Volatile.Write(ref _state, Pack(sequence, ThreadPhase.RunningApplicationWork));
    }

    /// <summary>On this thread: the application work returned. False when the loop was handed off meanwhile.</summary>
    public bool EndApplicationWork()
    {
        long running = Pack(_sequence, ThreadPhase.RunningApplicationWork);
        return Interlocked.CompareExchange(ref _state, Pack(_sequence, ThreadPhase.Idle), running) == running;
    }

    /// <summary>On this thread, after a failed take-over: the thread keeps the loop and goes on as if nothing happened.</summary>
    public void ResumeAfterFailedHandOff()
    {
        TakeOverFailed = false;
        TakeOverDone.Reset();
        Volatile.Write(ref _state, Pack(_sequence, ThreadPhase.Idle));
    }

    /// <summary>For the detector: the item running now (sequence and start), or false when none is.</summary>
    public bool TryGetRunningWork(out long state, out long sequence, out long startedAt)
    {
        state = Volatile.Read(ref _state);
        sequence = state >> 2;
        startedAt = Volatile.Read(ref _startedAt);
        return (ThreadPhase)(state & 3) == ThreadPhase.RunningApplicationWork;
    }

    /// <summary>For the detector: marks the item it observed as handed off; false if that item has ended meanwhile.</summary>
    public bool TryMarkHandedOff(long observedState) =>
        Interlocked.CompareExchange(ref _state, (observedState & ~3L) | (long)ThreadPhase.HandedOff, observedState) == observedState;

    private static long Pack(long sequence, ThreadPhase phase) => (sequence << 2) | (long)phase;

    private enum ThreadPhase
    {
        Idle,
        RunningApplicationWork,
        HandedOff,
    }
}
