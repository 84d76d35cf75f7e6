namespace Zokio.Http.Dashboard;

/// <summary>One row of the dashboard's requests table: a route's requests over the last interval.</summary>
/// <param name="Method">The request method; null on the row that sums every route not listed.</param>
/// <param name="Route">The route pattern (<c>/files/{name}</c>); null when no endpoint matched, or on the sum of the others.</param>
/// <param name="PerSecond">Requests that ended, per second.</param>
/// <param name="ErrorsPerSecond">Of those, answers with a 5xx status, per second.</param>
/// <param name="P50Milliseconds">The median duration, within about 3 %.</param>
/// <param name="P99Milliseconds">The 99th percentile of the durations, within about 3 %.</param>
internal sealed record DashboardRoute(
    string? Method,
    string? Route,
    double PerSecond,
    double ErrorsPerSecond,
    double? P50Milliseconds,
    double? P99Milliseconds)
{
    /// <summary>The row for requests counted in <paramref name="buckets"/> (<paramref name="total"/> of them) over <paramref name="seconds"/>.</summary>
    public static DashboardRoute From(string? method, string? route, long[] buckets, long total, long errors, double seconds) => new(
        method,
        route,
        total / seconds,
        errors / seconds,
        LatencyBuckets.Percentile(buckets, total, 0.50),
        LatencyBuckets.Percentile(buckets, total, 0.99));
}
