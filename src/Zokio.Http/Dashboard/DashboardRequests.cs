namespace Zokio.Http.Dashboard;

/// <summary>
/// The app's requests over the last interval, from ASP.NET Core's <c>http.server.request.duration</c>: the total and
/// the busiest routes (<see cref="RouteRows"/> at most, then one row summing the rest), so the rows add up to the total.
/// </summary>
/// <param name="Total">Every request (its <see cref="DashboardRoute.Method"/> and <see cref="DashboardRoute.Route"/> are null).</param>
/// <param name="Routes">The busiest routes first; the last row, with a null method, sums every route not listed.</param>
internal sealed record DashboardRequests(DashboardRoute Total, IReadOnlyList<DashboardRoute> Routes)
{
    /// <summary>How many routes get their own row.</summary>
    public const int RouteRows = 8;

    /// <summary>
    /// The requests between <paramref name="previous"/> and <paramref name="current"/>, two reads of one recorder
    /// <paramref name="seconds"/> apart; null without a previous read.
    /// </summary>
    public static DashboardRequests? From(IReadOnlyList<RequestSeries.Counts> current, IReadOnlyList<RequestSeries.Counts>? previous, double seconds)
    {
        if (previous is null || seconds <= 0)
        {
            return null;
        }

        Dictionary<RequestSeries, RequestSeries.Counts> before = previous.ToDictionary(c => c.Series);
        List<(RequestSeries Series, long[] Buckets, long Total, long Errors)> deltas = [];
        foreach (RequestSeries.Counts now in current)
        {
            // A series missing from the previous read was created since: everything it counted is new.
            RequestSeries.Counts? then = before.GetValueOrDefault(now.Series);
            long[] buckets = new long[now.Buckets.Length];
            for (int i = 0; i < buckets.Length; i++)
            {
                buckets[i] = now.Buckets[i] - (then?.Buckets[i] ?? 0);
            }

            deltas.Add((now.Series, buckets, now.Total - (then?.Total ?? 0), now.Errors - (then?.Errors ?? 0)));
        }

        List<(RequestSeries Series, long[] Buckets, long Total, long Errors)> busiest = [.. deltas
            .Where(d => d.Total > 0 && d.Series.Method is not null)
            .OrderByDescending(d => d.Total)
            .ThenBy(d => d.Series.Route, StringComparer.Ordinal)
            .ThenBy(d => d.Series.Method, StringComparer.Ordinal)
            .Take(RouteRows)];
        List<DashboardRoute> rows = [.. busiest.Select(d => DashboardRoute.From(d.Series.Method, d.Series.Route, d.Buckets, d.Total, d.Errors, seconds))];

        HashSet<RequestSeries> listed = new(busiest.Select(d => d.Series));
        (long[] Buckets, long Total, long Errors) rest = Sum(deltas.Where(d => !listed.Contains(d.Series)));
        if (rest.Total > 0)
        {
            rows.Add(DashboardRoute.From(null, null, rest.Buckets, rest.Total, rest.Errors, seconds));
        }

        (long[] Buckets, long Total, long Errors) all = Sum(deltas);
        return new DashboardRequests(DashboardRoute.From(null, null, all.Buckets, all.Total, all.Errors, seconds), rows);
    }

    private static (long[] Buckets, long Total, long Errors) Sum(IEnumerable<(RequestSeries Series, long[] Buckets, long Total, long Errors)> deltas)
    {
        long[] buckets = new long[LatencyBuckets.Count];
        long total = 0, errors = 0;
        foreach ((_, long[] counts, long count, long errorCount) in deltas)
        {
            for (int i = 0; i < buckets.Length; i++)
            {
                buckets[i] += counts[i];
            }

            total += count;
            errors += errorCount;
        }

        return (buckets, total, errors);
    }
}
