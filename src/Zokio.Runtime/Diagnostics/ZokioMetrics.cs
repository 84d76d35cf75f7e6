using System.Diagnostics.Metrics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// The <c>Zokio</c> meter. Instruments are observable: the loops keep plain counters on their own threads and the
/// meter reads them only when a listener (dotnet-counters, OpenTelemetry) collects, so the hot path pays nothing.
/// </summary>
public static class ZokioMetrics
{
    /// <summary>The meter's name, for <c>dotnet-counters monitor --counters Zokio</c> and OpenTelemetry.</summary>
    public const string MeterName = "Zokio";

    private static readonly Meter s_meter = new(MeterName, typeof(ZokioMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Lock s_lock = new();
    private static EventLoopGroup[] s_groups = [];

    static ZokioMetrics()
    {
        s_meter.CreateObservableUpDownCounter("zokio.connections.active", () => Sum(l => l.Counters.ConnectionsActive), "{connection}", "Connections open on Zokio's loops.");
        s_meter.CreateObservableCounter("zokio.connections.accepted", () => Sum(l => l.Counters.ConnectionsAccepted), "{connection}", "Connections accepted.");
        s_meter.CreateObservableCounter("zokio.connections.rejected", () => Sum(l => l.Counters.ConnectionsRejected), "{connection}", "Connections refused or failed at accept.");
        s_meter.CreateObservableCounter("zokio.bytes.received", () => Sum(l => l.Counters.BytesReceived), "By", "Bytes received from peers.");
        s_meter.CreateObservableCounter("zokio.bytes.sent", () => Sum(l => l.Counters.BytesSent), "By", "Bytes sent to peers.");
        s_meter.CreateObservableCounter("zokio.loop.iterations", () => Sum(l => l.Iterations), "{iteration}", "Event loop iterations.");
        s_meter.CreateObservableCounter("zokio.loop.completions", () => Sum(l => l.Completions), "{completion}", "Kernel completions dispatched (CQEs, or ready events for epoll).");
        s_meter.CreateObservableCounter("zokio.loop.enters", () => Sum(l => l.IoBackend.Enters), "{syscall}", "Waits and submissions entering the kernel (io_uring_enter or epoll_wait).");
        s_meter.CreateObservableCounter("zokio.loop.submissions", () => Sum(l => l.IoBackend.Submitted), "{sqe}", "Operations handed to the kernel; divide by zokio.loop.enters for SQEs per io_uring_enter.");
        s_meter.CreateObservableUpDownCounter("zokio.loop.queue.length", () => Sum(l => l.QueueLength), "{item}", "Work items waiting in the loops' run queues.");
        s_meter.CreateObservableCounter("zokio.loop.stalls", () => Sum(l => l.Counters.Stalls), "{stall}", "Application work that ran past the stall threshold on a loop.");
        s_meter.CreateObservableCounter("zokio.loop.work_item_failures", () => Sum(l => l.Counters.WorkItemFailures), "{item}", "Work items that threw on a loop (logged; the loop went on).");
        s_meter.CreateObservableCounter("zokio.loop.handoffs", () => Sum(l => l.Counters.HandOffs), "{handoff}", "Times a blocked loop's I/O was handed to a new thread (adaptive scheduling).");
        s_meter.CreateObservableUpDownCounter("zokio.memory.outstanding", () => Sum(l => l.MemoryPool.Outstanding), "{block}", "Pool blocks rented and not returned.");
        s_meter.CreateObservableCounter("zokio.memory.rented", () => Sum(l => l.MemoryPool.Rented), "{block}", "Pool blocks rented.");
        s_meter.CreateObservableUpDownCounter("zokio.memory.pinned", () => Sum(l => l.MemoryPool.SlabBytes), "By", "Pinned slab memory held by the pools.");
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

    private static long Sum(Func<EventLoop, long> read)
    {
        long total = 0;
        foreach (EventLoopGroup group in Volatile.Read(ref s_groups))
        {
            foreach (EventLoop loop in group.Loops)
            {
                total += read(loop);
            }
        }

        return total;
    }
}
