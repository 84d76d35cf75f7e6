using System.Globalization;
using System.Text;

namespace Zokio.BenchReport;

/// <summary>The scenario × server table that run.sh prints and writes to results/latest.md.</summary>
internal static class MarkdownReport
{
    // Steal of 1-5 % is this machine's usual; a note for every row would hide the runs that lost more.
    private const double NotableStealPercent = 5.0;

    public static string Render(BenchResults results, IReadOnlyList<ServerSummary> summaries)
    {
        var config = results.Config;
        var md = new StringBuilder();
        md.AppendLine(Inv($"# Zokio load benchmark, {results.Timestamp}"));
        md.AppendLine();
        md.AppendLine(Inv($"{config.Rounds} round(s), warmup {config.WarmupS} s, measure {config.DurationS} s, ") +
            (config.Pinned ? "server on core 0, load on core 1" : "unpinned") +
            Inv($"; kernel {results.Host.Kernel}, {results.Host.Cpus} CPUs, .NET SDK {results.Host.Dotnet}."));
        md.AppendLine(Inv($"App: `{config.App}`."));
        if (config.Rate is { } rate)
        {
            md.AppendLine();
            md.AppendLine(Inv($"**Fixed rate: {rate:N0} req/s** for every server (wrk2-style), so req/s only shows that the rate held; ") +
                "compare p99 (the notes give each server's p99 over the `sockets` p99).");
        }
        if (!string.IsNullOrEmpty(config.DbOptions))
        {
            md.AppendLine(Inv($"Database connection string options: `{config.DbOptions}`."));
        }
        if (!string.IsNullOrEmpty(results.Host.Postgresql))
        {
            md.AppendLine(Inv($"Database: {results.Host.Postgresql}, pinned with the load generator in pinned runs."));
        }
        md.AppendLine();
        md.AppendLine("req/s is the median over rounds, spread is min–max, ratio is median over the `sockets` median; " +
            "round ratios are each round's req/s over `sockets`' in the same round, median (min–max); " +
            "p50/p99, CPU (% of one core) and peak RSS are medians.");
        md.AppendLine();
        md.AppendLine("| scenario | server | req/s | spread | ratio to sockets | round ratios | p50 ms | p99 ms | CPU % | RSS MiB | notes |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");

        foreach (var s in summaries)
        {
            var baseline = summaries.FirstOrDefault(b => b.Scenario == s.Scenario && b.Server == ServerSummary.BaselineServer);
            var notes = new List<string>();
            if (s.Failed)
            {
                notes.Add(Inv($"**FAILED** {s.Failures.Count}/{s.Runs}: ") + string.Join("; ", s.Failures.Select(EscapeCell)));
            }
            if (config.Rate is not null && s.Server != ServerSummary.BaselineServer && s.P99RatioTo(baseline) is { } p99Ratio)
            {
                notes.Add(Inv($"p99 {p99Ratio:0.00}× sockets'"));
            }
            if (s.MaxStealPercent is { } steal && steal >= NotableStealPercent)
            {
                notes.Add(Inv($"host stole up to {steal:0.0} % of the server's core"));
            }
            if (s.MedianRssPerConnectionKib is { } perConn)
            {
                notes.Add(Inv($"{perConn:0.0} KiB RSS per idle connection ({config.IdleConnections:N0} open)"));
            }
            string[] cells =
            [
                s.Scenario,
                s.Server,
                Number(s.MedianRequestsPerSec, "N0"),
                Spread(s),
                Number(s.RatioTo(baseline), "0.00"),
                s.Server == ServerSummary.BaselineServer ? "–" : RoundRatios(s.RoundRatiosTo(baseline)),
                Number(s.MedianP50Ms, "0.00"),
                Number(s.MedianP99Ms, "0.00"),
                Number(s.MedianCpuPercent, "0"),
                Number(s.MedianPeakRssMib, "0"),
                string.Join("; ", notes),
            ];
            md.AppendLine("| " + string.Join(" | ", cells) + " |");
        }

        var failed = summaries.Where(s => s.Failed).ToList();
        md.AppendLine();
        md.AppendLine(failed.Count == 0
            ? "All runs completed without errors."
            : Inv($"**{failed.Count} scenario/server pair(s) FAILED**: ") +
              string.Join(", ", failed.Select(s => $"{s.Scenario}/{s.Server}")) + ".");
        return md.ToString();
    }

    private static string Spread(ServerSummary s) =>
        s.MinRequestsPerSec is { } min && s.MaxRequestsPerSec is { } max
            ? Inv($"{min:N0}–{max:N0}")
            : "–";

    private static string RoundRatios(IReadOnlyList<double> ratios) =>
        ratios.Count == 0
            ? "–"
            : Inv($"{ServerSummary.Median(ratios.Select(r => (double?)r)):0.00} ({ratios[0]:0.00}–{ratios[^1]:0.00})");

    private static string Number(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    // A failure reason can carry server log text; keep it from breaking the table.
    private static string EscapeCell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
