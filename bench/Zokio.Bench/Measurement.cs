namespace Zokio.Bench;

/// <summary>What one run of one server in one scenario measured; each part stays null until it was measured.</summary>
internal sealed class Measurement
{
    public double? CpuPercent { get; set; }

    public double? StealPercent { get; set; }

    public double? PeakRssMib { get; set; }

    public LoadOutcome? Load { get; set; }

    /// <summary>many-connections' RSS with and without the idle connections.</summary>
    public Dictionary<string, double> Extra { get; } = [];

    /// <summary>The run's result record (the schema is BenchReport's <c>BenchRun</c>).</summary>
    public BenchReport.BenchRun ToRun(string scenario, string server, int round, string? failure, int? rate)
    {
        var extra = new Dictionary<string, double>(Extra);
        if (StealPercent is { } steal)
        {
            extra["steal_percent"] = steal;
        }
        if (rate is { } target)
        {
            extra["target_rps"] = target;
        }
        return new(scenario, server, round, failure is null, failure, Load?.RequestsPerSec, Load?.P50Ms, Load?.P99Ms,
            Load?.Errors ?? new Dictionary<string, long>(), CpuPercent, PeakRssMib, extra);
    }

    /// <summary>The line printed as each run ends.</summary>
    public string Line(string scenario, string server, int round, string? failure) =>
        failure is not null
            ? $"  {scenario,-20} {server,-12} round {round}: FAILED: {failure}"
            : $"  {scenario,-20} {server,-12} round {round}: {F(Load?.RequestsPerSec, "F1"),10} req/s  p50 {F(Load?.P50Ms, "F3"),8} ms  " +
              $"p99 {F(Load?.P99Ms, "F3"),8} ms  cpu {F(CpuPercent, "F1"),5}%  steal {F(StealPercent, "F1"),4}%  rss {F(PeakRssMib, "F1"),6} MiB";

    private static string F(double? value, string format) =>
        value?.ToString(format, System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
