using Zokio.Runtime.Io;
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
/// <param name="Index">The loop's index in its group.</param>
/// <param name="Backend">The backend the loop runs on.</param>
/// <param name="ConnectionsActive">Connections open on the loop.</param>
/// <param name="ConnectionsAccepted">Connections accepted since the loop started.</param>
/// <param name="ConnectionsRejected">Connections refused or failed while being accepted.</param>
/// <param name="BytesReceived">Bytes received by the loop's sockets.</param>
/// <param name="BytesSent">Bytes sent by the loop's sockets.</param>
/// <param name="Iterations">Loop iterations.</param>
/// <param name="Completions">Kernel completions dispatched.</param>
/// <param name="Enters">Calls entering the kernel (io_uring_enter or epoll_wait).</param>
/// <param name="Submissions">Operations handed to the kernel.</param>
/// <param name="QueueLength">Work items waiting in the loop's queues.</param>
/// <param name="Stalls">Application work that ran past the stall threshold.</param>
/// <param name="HandOffs">Times a blocked loop's I/O was handed to a new thread.</param>
/// <param name="Steals">Spawned work this loop took from busier loops.</param>
/// <param name="MemoryOutstanding">Memory blocks rented from the loop's pool and not returned.</param>
/// <param name="PinnedBytes">Bytes of pinned memory the loop's pool holds.</param>
public readonly record struct LoopSnapshot(
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
    /// <summary>Reads <paramref name="loop"/>'s counters; any thread, while the loop's group is running.</summary>
    public static LoopSnapshot Capture(EventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
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
