using Zokio.Runtime.Diagnostics;

namespace Zokio.Http.Dashboard;

/// <summary>
/// One loop's row on the dashboard: totals since the loop started (the meter's counters) and, where a previous sample
/// exists, rates over the time since it.
/// </summary>
internal sealed record DashboardLoop(
    int Index,
    string Backend,
    long Connections,
    long Accepted,
    long Rejected,
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
    long PoolBlocks,
    long PinnedBytes,
    double? AcceptedPerSecond,
    double? BytesReceivedPerSecond,
    double? BytesSentPerSecond,
    double? CompletionsPerEnter,
    double? SubmissionsPerEnter)
{
    /// <summary>The row for <paramref name="current"/>, with rates when <paramref name="previous"/> (same loop, <paramref name="seconds"/> earlier) is known.</summary>
    public static DashboardLoop From(in LoopSnapshot current, LoopSnapshot? previous, double seconds)
    {
        bool rates = previous is not null && seconds > 0;
        LoopSnapshot before = previous.GetValueOrDefault();
        long enters = Delta(current.Enters, before.Enters);
        return new DashboardLoop(
            current.Index,
            current.Backend.ToString(),
            current.ConnectionsActive,
            current.ConnectionsAccepted,
            current.ConnectionsRejected,
            current.BytesReceived,
            current.BytesSent,
            current.Iterations,
            current.Completions,
            current.Enters,
            current.Submissions,
            current.QueueLength,
            current.Stalls,
            current.HandOffs,
            current.Steals,
            current.MemoryOutstanding,
            current.PinnedBytes,
            rates ? Delta(current.ConnectionsAccepted, before.ConnectionsAccepted) / seconds : null,
            rates ? Delta(current.BytesReceived, before.BytesReceived) / seconds : null,
            rates ? Delta(current.BytesSent, before.BytesSent) / seconds : null,
            rates && enters > 0 ? (double)Delta(current.Completions, before.Completions) / enters : null,
            rates && enters > 0 ? (double)Delta(current.Submissions, before.Submissions) / enters : null);
    }

    // A counter that went down was restarted (a hand-off gives the loop a new backend, whose counts start at zero).
    private static long Delta(long current, long previous) => current >= previous ? current - previous : current;
}
