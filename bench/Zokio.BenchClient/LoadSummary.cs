using System.Diagnostics;
using System.Globalization;

namespace Zokio.BenchClient;

/// <summary>
/// The outcome of one load run, printed as the same <c>ZOKIO_BENCH key=value ...</c> line that bench/wrk/report.lua
/// prints for wrk, so bench/run.sh parses both alike and fails the run on any error count above zero.
/// </summary>
/// <param name="LatencyTicks">Every round trip's latency in <see cref="Stopwatch"/> ticks, in any order.</param>
internal sealed record LoadSummary(long Requests, TimeSpan Duration, long Bytes, LoadErrors Errors, long[] LatencyTicks)
{
    public string ToBenchLine()
    {
        Array.Sort(LatencyTicks);
        return string.Create(CultureInfo.InvariantCulture,
            $"ZOKIO_BENCH requests={Requests} duration_us={Duration.Ticks / TimeSpan.TicksPerMicrosecond} bytes={Bytes} " +
            $"connect={Errors.Connect} read={Errors.Read} write=0 status=0 timeout={Errors.Timeout} invalid={Errors.Mismatch} " +
            $"p50_us={Percentile(0.50)} p90_us={Percentile(0.90)} p99_us={Percentile(0.99)} max_us={Percentile(1.0)}");
    }

    // -1 is "unknown", as in report.lua.
    private long Percentile(double quantile) =>
        LatencyTicks.Length == 0
            ? -1
            : LatencyTicks[Math.Max(0, (int)Math.Ceiling(LatencyTicks.Length * quantile) - 1)] * 1_000_000 / Stopwatch.Frequency;
}
