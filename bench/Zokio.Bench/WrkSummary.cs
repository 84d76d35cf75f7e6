using System.Globalization;

namespace Zokio.Bench;

/// <summary>
/// The <c>ZOKIO_BENCH key=value ...</c> line that bench/wrk/report.lua prints for wrk and Zokio.BenchClient prints for the
/// WebSocket load. Any error count above zero fails the run.
/// </summary>
internal static class WrkSummary
{
    private const string Prefix = "ZOKIO_BENCH ";

    // The error counts recorded, in this order: socket errors, responses outside 2xx/3xx, and `invalid`, responses a
    // scenario script's response() check rejected (absent from scripts that check nothing, so 0).
    private static readonly string[] s_errorKeys = ["connect", "read", "write", "timeout", "status", "invalid"];

    public static LoadOutcome Parse(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        if (line is null)
        {
            return LoadOutcome.Failed($"wrk printed no summary: {LoadOutcome.Tail(output)}");
        }
        var values = line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0);
        double Value(string key) => values.GetValueOrDefault(key);

        var requests = (long)Value("requests");
        var seconds = Value("duration_us") / 1e6;
        var errors = s_errorKeys.ToDictionary(key => key, key => (long)Value(key));
        var failure =
            errors.Values.Sum() > 0
                ? $"load errors: connect {errors["connect"]}, read {errors["read"]}, write {errors["write"]}, timeout {errors["timeout"]}, " +
                  $"non-2xx/3xx {errors["status"]}, invalid responses {errors["invalid"]}"
            : requests == 0 ? "wrk completed no requests"
            : null;
        return new LoadOutcome(
            Math.Round(seconds > 0 ? requests / seconds : 0, 1), Milliseconds(Value("p50_us")), Milliseconds(Value("p99_us")),
            errors, requests, failure);
    }

    // -1 is report.lua's "wrk could not compute it"; it becomes null in the JSON.
    private static double? Milliseconds(double microseconds) => microseconds >= 0 ? Math.Round(microseconds / 1000, 3) : null;
}
