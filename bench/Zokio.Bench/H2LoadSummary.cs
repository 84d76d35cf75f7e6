using System.Globalization;

namespace Zokio.Bench;

/// <summary>h2load's summary, with p50/p99 from its per-request log (h2load itself prints only min/max/mean/sd).</summary>
internal static class H2LoadSummary
{
    /// <param name="latenciesUs">Every request's latency in µs from the request log, in any order; empty if none.</param>
    public static LoadOutcome Parse(string output, long[] latenciesUs)
    {
        var lines = output.Split('\n');
        // requests: T total, S started, D done, OK succeeded, F failed, E errored, TO timeout
        var requests = Fields(lines, "requests: ");
        if (requests is null)
        {
            return LoadOutcome.Failed($"h2load printed no summary: {LoadOutcome.Tail(output)}");
        }
        // status codes: N 2xx, N 3xx, N 4xx, N 5xx
        var status = Fields(lines, "status codes: ");
        long At(string[]? fields, int i) =>
            fields is not null && i < fields.Length && long.TryParse(fields[i], CultureInfo.InvariantCulture, out var v) ? v : 0;
        long total = At(requests, 1), done = At(requests, 5), ok = At(requests, 7);
        long failed = At(requests, 9), errored = At(requests, 11), timeout = At(requests, 13);
        long status4xx = At(status, 6), status5xx = At(status, 8);
        // finished in 10.00s, 65432.10 req/s, 2.34MB/s
        var finished = Fields(lines, "finished in ");
        double? rps = finished is { Length: > 3 } && double.TryParse(finished[3], CultureInfo.InvariantCulture, out var r) ? r : null;
        var errors = new Dictionary<string, long>
        {
            ["failed"] = failed,
            ["errored"] = errored,
            ["timeout"] = timeout,
            ["status"] = status4xx + status5xx,
        };

        var protocol = lines.FirstOrDefault(l => l.StartsWith("Application protocol: ", StringComparison.Ordinal));
        var failure =
            protocol is null || !protocol.StartsWith("Application protocol: h2", StringComparison.Ordinal)
                ? $"h2load did not negotiate HTTP/2: {protocol ?? lines.FirstOrDefault(l => l.Contains("protocol", StringComparison.OrdinalIgnoreCase)) ?? "no protocol line"}"
            : failed + errored + timeout + status4xx + status5xx > 0
                ? $"h2load errors: failed {failed}, errored {errored}, timeout {timeout}, 4xx {status4xx}, 5xx {status5xx}"
            : ok == 0 ? $"h2load completed no requests ({total} total, {done} done)"
            : null;
        return new LoadOutcome(rps, Percentile(latenciesUs, 0.50), Percentile(latenciesUs, 0.99), errors, ok, failure);
    }

    /// <summary>The third column (request duration, µs) of h2load's --log-file; the file is deleted (millions of lines).</summary>
    public static long[] ReadRequestLog(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        var latencies = new List<long>();
        foreach (var line in File.ReadLines(path))
        {
            var columns = line.Split('\t');
            if (columns.Length > 2 && long.TryParse(columns[2], CultureInfo.InvariantCulture, out var us))
            {
                latencies.Add(us);
            }
        }
        File.Delete(path);
        return latencies.ToArray();
    }

    /// <summary>The value at rank max(1, ⌊n·q⌋) of the sorted latencies, in ms.</summary>
    public static double? Percentile(long[] latenciesUs, double quantile)
    {
        if (latenciesUs.Length == 0)
        {
            return null;
        }
        var sorted = latenciesUs.Order().ToArray();
        var rank = Math.Max(1, (int)(sorted.Length * quantile));
        return Math.Round(sorted[rank - 1] / 1000.0, 3);
    }

    private static string[]? Fields(string[] lines, string prefix) =>
        lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
