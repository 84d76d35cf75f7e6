using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// One loop's counters read at one moment: the same plain counters the <c>Zokio</c> meter observes, per loop instead
/// of summed, for the live dashboard. Reading them costs nothing on the loop: they are fields the loop keeps anyway.
/// </summary>
/// <remarks>
/// <see cref="Enters"/> and <see cref="Submissions"/> are counted by the backend, which a hand-off replaces, so they
/// can go down after one; readers computing rates treat a decrease as a restart from zero.
/// </remarks>
internal readonly record struct LoopSnapshot(
    int Index,
    LoopBackendKind Backend,
    long ConnectionsActive,
    long ConnectionsAccepted,
    long ConnectionsRejected,
    long BytesReceived,
    long BytesSent,
    long Iterations,
    long Completions,
    long Enters,
    long Submissions,
    long QueueLength,
    long Stalls,
    long HandOffs,
    long Steals,
    long MemoryOutstanding,
    long PinnedBytes)
{
    /// <summary>Reads <paramref name="loop"/>'s counters; the loop must have started (its group is running).</summary>
    public static LoopSnapshot Capture(EventLoop loop)
    {
        LoopBackend backend = loop.IoBackend;
        LoopCounters counters = loop.Counters;
        return new LoopSnapshot(
            loop.Index,
            backend.Kind,
            Volatile.Read(ref counters.ConnectionsActive),
            Volatile.Read(ref counters.ConnectionsAccepted),
            Volatile.Read(ref counters.ConnectionsRejected),
            Volatile.Read(ref counters.BytesReceived),
            Volatile.Read(ref counters.BytesSent),
            loop.Iterations,
            loop.Completions,
            backend.Enters,
            backend.Submitted,
            loop.QueueLength,
            Volatile.Read(ref counters.Stalls),
            Volatile.Read(ref counters.HandOffs),
            Volatile.Read(ref counters.Steals),
            loop.MemoryPool.Outstanding,
            loop.MemoryPool.SlabBytes);
    }
}
