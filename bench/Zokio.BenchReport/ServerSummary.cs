namespace Zokio.BenchReport;

/// <summary>
/// All rounds of one server in one scenario, reduced to medians. Medians, not means: on these
/// shared machines one disturbed round would drag a mean, and BENCH.md asks for median and spread.
/// </summary>
internal sealed record ServerSummary(
    string Scenario, string Server, int Runs, IReadOnlyList<string> Failures,
    double? MedianRequestsPerSec, double? MinRequestsPerSec, double? MaxRequestsPerSec,
    double? MedianP50Ms, double? MedianP99Ms, double? MedianCpuPercent, double? MedianPeakRssMib,
    double? MedianRssPerConnectionKib, double? MaxStealPercent, IReadOnlyDictionary<int, double> RequestsPerSecByRound)
{
    /// <summary>The baseline every ratio is taken against: Kestrel's stock Sockets transport.</summary>
    public const string BaselineServer = "sockets";

    public bool Failed => Failures.Count > 0;

    /// <summary>Median req/s over the baseline's median req/s in the same scenario, when both exist.</summary>
    public double? RatioTo(ServerSummary? baseline) =>
        MedianRequestsPerSec is { } mine && baseline?.MedianRequestsPerSec is { } theirs && theirs > 0
            ? mine / theirs
            : null;

    /// <summary>
    /// This server's req/s over the baseline's in each round both completed. The servers of a round run one after the
    /// other within about a minute, so drift of the machine slower than that cancels out of a round's ratio, though it
    /// moves the medians of different rounds apart; faster drift does not, and the ratios' range shows how much of it
    /// there was, so how far a ratio of medians can be trusted.
    /// </summary>
    public IReadOnlyList<double> RoundRatiosTo(ServerSummary? baseline) =>
        baseline is null
            ? []
            : RequestsPerSecByRound
                .Where(round => baseline.RequestsPerSecByRound.TryGetValue(round.Key, out var theirs) && theirs > 0)
                .Select(round => round.Value / baseline.RequestsPerSecByRound[round.Key])
                .Order()
                .ToList();

    /// <summary>Median p99 latency over the baseline's median p99 in the same scenario, when both exist: above 1 is slower.</summary>
    public double? P99RatioTo(ServerSummary? baseline) =>
        MedianP99Ms is { } mine && baseline?.MedianP99Ms is { } theirs && theirs > 0
            ? mine / theirs
            : null;

    /// <summary>Groups runs by scenario and server, keeping the order the run config lists them in.</summary>
    public static IReadOnlyList<ServerSummary> Summarize(BenchResults results)
    {
        var summaries = new List<ServerSummary>();
        foreach (var scenario in results.Config.Scenarios)
        {
            foreach (var server in results.Config.Servers)
            {
                var runs = results.Runs.Where(r => r.Scenario == scenario && r.Server == server).ToList();
                if (runs.Count > 0)
                {
                    summaries.Add(FromRuns(scenario, server, runs));
                }
            }
        }
        return summaries;
    }

    private static ServerSummary FromRuns(string scenario, string server, List<BenchRun> runs)
    {
        // A failed run's numbers are not comparable (errors are cheap to serve), so only ok runs count.
        var ok = runs.Where(r => r.Ok).ToList();
        var failures = runs.Where(r => !r.Ok)
            .Select(r => $"round {r.Round}: {r.Failure ?? "failed"}")
            .ToList();
        var rps = ok.Select(r => r.RequestsPerSec).OfType<double>().ToList();
        return new ServerSummary(
            scenario, server, runs.Count, failures,
            Median(rps.Select(v => (double?)v)), rps.Count > 0 ? rps.Min() : null, rps.Count > 0 ? rps.Max() : null,
            Median(ok.Select(r => r.LatencyP50Ms)), Median(ok.Select(r => r.LatencyP99Ms)),
            Median(ok.Select(r => r.CpuPercent)), Median(ok.Select(r => r.PeakRssMib)),
            Median(ok.Select(r => Extra(r, "rss_per_connection_kib"))),
            ok.Select(r => Extra(r, "steal_percent")).Max(),
            ok.Where(r => r.RequestsPerSec is not null).ToDictionary(r => r.Round, r => r.RequestsPerSec!.Value));
    }

    private static double? Extra(BenchRun run, string key) => run.Extra is { } extra && extra.TryGetValue(key, out var value) ? value : null;

    public static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.OfType<double>().Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
