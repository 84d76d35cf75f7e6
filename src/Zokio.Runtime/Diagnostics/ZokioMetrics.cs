using System.Diagnostics.Metrics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// The <c>Zokio</c> meter. Instruments are observable: the loops keep plain counters on their own threads and the
/// meter reads them only when a listener (dotnet-counters, OpenTelemetry) collects, so the hot path pays nothing.
/// Every instrument reports one measurement per loop, tagged <see cref="LoopTag"/>, so imbalance between loops shows.
/// </summary>
public static class ZokioMetrics
{
    /// <summary>The meter's name, for <c>dotnet-counters monitor --counters Zokio</c> and OpenTelemetry.</summary>
    public const string MeterName = "Zokio";

    /// <summary>The tag holding the loop's index (<see cref="EventLoop.Index"/>) on every measurement.</summary>
    public const string LoopTag = "zokio.loop";

    private static readonly Meter s_meter = new(MeterName, typeof(ZokioMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Lock s_lock = new();
    private static EventLoopGroup[] s_groups = [];

    static ZokioMetrics()
    {
        s_meter.CreateObservableUpDownCounter("zokio.connections.active", () => PerLoop(l => l.Counters.ConnectionsActive), "{connection}", "Connections open on Zokio's loops.");
        s_meter.CreateObservableCounter("zokio.connections.accepted", () => PerLoop(l => l.Counters.ConnectionsAccepted), "{connection}", "Connections accepted.");
        s_meter.CreateObservableCounter("zokio.connections.rejected", () => PerLoop(l => l.Counters.ConnectionsRejected), "{connection}", "Connections refused or failed at accept.");
        s_meter.CreateObservableCounter("zokio.bytes.received", () => PerLoop(l => l.Counters.BytesReceived), "By", "Bytes received from peers.");
        s_meter.CreateObservableCounter("zokio.bytes.sent", () => PerLoop(l => l.Counters.BytesSent), "By", "Bytes sent to peers.");
        s_meter.CreateObservableCounter("zokio.loop.iterations", () => PerLoop(l => l.Iterations), "{iteration}", "Event loop iterations.");
        s_meter.CreateObservableCounter("zokio.loop.completions", () => PerLoop(l => l.Completions), "{completion}", "Kernel completions dispatched (CQEs, or ready events for epoll).");
        s_meter.CreateObservableCounter("zokio.loop.enters", () => PerLoop(l => l.IoBackend.Enters), "{syscall}", "Waits and submissions entering the kernel (io_uring_enter or epoll_wait).");
        s_meter.CreateObservableCounter("zokio.loop.submissions", () => PerLoop(l => l.IoBackend.Submitted), "{sqe}", "Operations handed to the kernel; divide by zokio.loop.enters for SQEs per io_uring_enter.");
        s_meter.CreateObservableUpDownCounter("zokio.loop.queue.length", () => PerLoop(l => l.QueueLength), "{item}", "Work items waiting in the loops' run queues.");
        s_meter.CreateObservableCounter("zokio.loop.stalls", () => PerLoop(l => l.Counters.Stalls), "{stall}", "Application work that ran past the stall threshold on a loop.");
        s_meter.CreateObservableCounter("zokio.loop.work_item_failures", () => PerLoop(l => l.Counters.WorkItemFailures), "{item}", "Work items that threw on a loop (logged; the loop went on).");
        s_meter.CreateObservableCounter("zokio.loop.handoffs", () => PerLoop(l => l.Counters.HandOffs), "{handoff}", "Times a blocked loop's I/O was handed to a new thread (adaptive scheduling).");
        s_meter.CreateObservableCounter("zokio.loop.steals", () => PerLoop(l => Volatile.Read(ref l.Counters.Steals)), "{item}", "Spawned tasks this loop took from a busy loop's queue (work stealing), counted on the thief.");
        s_meter.CreateObservableCounter("zokio.loop.receive_buffer_shortages", () => PerLoop(l => l.Counters.ReceiveBufferShortages), "{event}", "Multishot receives the kernel ended because the loop's receive buffers were all in use (raise ReceiveBuffers if this climbs).");
        s_meter.CreateObservableUpDownCounter("zokio.memory.outstanding", () => PerLoop(l => l.MemoryPool.Outstanding), "{block}", "Pool blocks rented and not returned.");
        s_meter.CreateObservableCounter("zokio.memory.rented", () => PerLoop(l => l.MemoryPool.Rented), "{block}", "Pool blocks rented.");
        s_meter.CreateObservableUpDownCounter("zokio.memory.pinned", () => PerLoop(l => l.MemoryPool.SlabBytes), "By", "Pinned slab memory held by the pools.");
    }

    internal static void Register(EventLoopGroup group)
    {
        lock (s_lock)
        {
            s_groups = [.. s_groups, group];
        }
    }

    internal static void Unregister(EventLoopGroup group)
    {
        lock (s_lock)
        {
            s_groups = [.. s_groups.Where(g => g != group)];
        }
    }

    /// <summary>One measurement per loop index; loops at the same index of different groups are added up.</summary>
    private static Measurement<long>[] PerLoop(Func<EventLoop, long> read)
    {
        EventLoopGroup[] groups = Volatile.Read(ref s_groups);
        int loops = 0;
        foreach (EventLoopGroup group in groups)
        {
            loops = Math.Max(loops, group.Loops.Count);
        }

        long[] totals = new long[loops];
        foreach (EventLoopGroup group in groups)
        {
            foreach (EventLoop loop in group.Loops)
            {
                totals[loop.Index] += read(loop);
            }
        }

        Measurement<long>[] measurements = new Measurement<long>[loops];
        for (int i = 0; i < loops; i++)
        {
            measurements[i] = new Measurement<long>(totals[i], new KeyValuePair<string, object?>(LoopTag, i));
        }

        return measurements;
    }
}
