using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Zokio.Http.Internal;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Dashboard;

/// <summary>Reads the app's Zokio loops and requests for the dashboard, only when asked: nothing runs while no one looks.</summary>
internal sealed class DashboardSource(ZokioListenerFactory listenerFactory, IOptions<ZokioOptions> options, PlatformSupport platform, IMeterFactory? meterFactory)
{
    /// <summary>The (method, route) pairs whose requests are counted apart; the rest are counted together.</summary>
    public const int TrackedRoutes = 16;

    /// <summary>Starts counting the app's requests (until the recorder is disposed), from the hosting meter of its meter factory.</summary>
    public RequestRecorder RecordRequests() => new(meterFactory, TrackedRoutes);

    /// <summary>Every loop's counters now; empty while Zokio serves nothing.</summary>
    public LoopSnapshot[] ReadLoops() =>
        listenerFactory.ServingLoops is { } group ? [.. group.Loops.Select(LoopSnapshot.Capture)] : [];

    /// <summary>
    /// The snapshot of <paramref name="loops"/>, with rates against <paramref name="previous"/> read
    /// <paramref name="seconds"/> earlier, and the <paramref name="requests"/> of that interval.
    /// </summary>
    public DashboardSnapshot Describe(LoopSnapshot[] loops, LoopSnapshot[]? previous, DashboardRequests? requests, double seconds)
    {
        long time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        EventLoopGroup? group = listenerFactory.ServingLoops;
        if (group is null)
        {
            (string state, string message) = !options.Value.Enabled
                ? ("disabled", "Zokio is disabled (Zokio:Enabled=false); Kestrel's Sockets transport serves.")
                : !platform.IsSupported
                    ? ("unsupported", $"Zokio has no event-loop backend on {platform.Description}; Kestrel's Sockets transport serves.")
                    : ("starting", "Zokio has not bound an endpoint (yet).");
            return new DashboardSnapshot(time, state, message, null, null, requests, []);
        }

        DashboardLoop[] rows = new DashboardLoop[loops.Length];
        for (int i = 0; i < loops.Length; i++)
        {
            LoopSnapshot? before = previous is not null && i < previous.Length ? previous[i] : null;
            rows[i] = DashboardLoop.From(loops[i], before, seconds);
        }

        string serving = $"Zokio serves on {group.Backend} with {loops.Length} event loop(s), {group.Options.ApplicationScheduling} scheduling.";
        return new DashboardSnapshot(time, "serving", serving, group.Options.ApplicationScheduling.ToString(), group.FallbackReason, requests, rows);
    }
}
