namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// Per-loop counters for metrics. Written on the loop's thread (plain fields, no interlocked cost), except the stall
/// and failure counters, which other threads increment with <see cref="Interlocked"/>; read by observable instruments.
/// <see cref="Steals"/> counts on the thief, on its own thread.
/// A torn read is impossible for aligned 64-bit fields on 64-bit platforms.
/// </summary>
internal sealed class LoopCounters
{
    public long ConnectionsAccepted;
    public long ConnectionsActive;
    public long ConnectionsRejected;
    public long BytesReceived;
    public long BytesSent;
    public long Stalls;
    public long HandOffs;
    public long WorkItemFailures;
    public long Steals;
    public long ReceiveBufferShortages;
}
