using Zokio.Http.Dashboard;

namespace Zokio.Http.Tests;

/// <summary>The dashboard's request figures: latency buckets, the bounded recorder, and the per-interval rows.</summary>
public class DashboardRequestsTests
{
    [Theory]
    [InlineData(0.000_000_5)]
    [InlineData(0.000_003)]
    [InlineData(0.000_017)]
    [InlineData(0.000_250)]
    [InlineData(0.001)]
    [InlineData(0.0123)]
    [InlineData(0.75)]
    [InlineData(42.0)]
    [InlineData(900.0)]
    public void A_duration_reads_back_from_its_bucket_within_a_thirty_second(double seconds)
    {
        double milliseconds = seconds * 1000;
        double read = LatencyBuckets.MiddleMilliseconds(LatencyBuckets.IndexOf(seconds));

        // Below 16 µs a bucket is one microsecond wide: within half of one.
        double tolerance = Math.Max(milliseconds / 32, 0.0005);
        Assert.InRange(read, milliseconds - tolerance, milliseconds + tolerance);
    }

    [Fact]
    public void Buckets_grow_with_the_duration_and_the_longest_land_in_the_last()
    {
        int previous = -1;
        for (double micros = 0; micros < 2e9; micros = micros * 1.01 + 1)
        {
            int index = LatencyBuckets.IndexOf(micros / 1e6);
            Assert.InRange(index, previous, LatencyBuckets.Count - 1);
            previous = index;
        }

        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(TimeSpan.FromDays(1).TotalSeconds));
        Assert.Equal(0, LatencyBuckets.IndexOf(-1));
        Assert.Equal(0, LatencyBuckets.IndexOf(double.NaN));
    }

    [Fact]
    public void Percentiles_are_the_nearest_rank()
    {
        long[] counts = new long[LatencyBuckets.Count];
        // 98 requests of 1 ms and 2 of 100 ms: the median is 1 ms, the 99th percentile 100 ms.
        counts[LatencyBuckets.IndexOf(0.001)] = 98;
        counts[LatencyBuckets.IndexOf(0.100)] = 2;

        Assert.InRange(LatencyBuckets.Percentile(counts, 100, 0.50)!.Value, 0.97, 1.03);
        Assert.InRange(LatencyBuckets.Percentile(counts, 100, 0.99)!.Value, 97, 103);
        Assert.Null(LatencyBuckets.Percentile(new long[LatencyBuckets.Count], 0, 0.5));
    }

    [Fact]
    public void Recorder_tracks_a_bounded_number_of_routes_and_counts_the_rest_together()
    {
        using RequestRecorder recorder = new(new object(), maxRoutes: 4);
        for (int route = 0; route < 10; route++)
        {
            for (int i = 0; i <= route; i++)
            {
                recorder.Record(0.002, Tags("GET", $"/r{route}", 200));
            }
        }

        IReadOnlyList<RequestSeries.Counts> counts = recorder.Read();

        // Four routes of their own (the first four seen) and one series for the six others.
        Assert.Equal(5, counts.Count);
        Assert.Equal(["/r0", "/r1", "/r2", "/r3"], counts.Where(c => c.Series.Method is not null).Select(c => c.Series.Route!).Order());
        Assert.Equal(55, counts.Sum(c => c.Total));
        Assert.Equal(5 + 6 + 7 + 8 + 9 + 10, counts.Single(c => c.Series.Method is null).Total);
    }

    [Fact]
    public void An_idle_route_gives_its_place_up_to_a_new_one()
    {
        using RequestRecorder recorder = new(new object(), maxRoutes: 1);
        recorder.Record(0.001, Tags("GET", "/old", 200));
        for (int read = 0; read < RequestRecorder.IdleReads; read++)
        {
            Assert.Contains(recorder.Read(), c => c.Series.Route == "/old");
        }

        Assert.DoesNotContain(recorder.Read(), c => c.Series.Route == "/old");
        recorder.Record(0.001, Tags("POST", "/new", 201));
        Assert.Contains(recorder.Read(), c => c is { Series.Route: "/new", Total: 1 });
    }

    [Fact]
    public void Rows_are_the_busiest_routes_then_the_rest_summed_and_count_5xx_and_requests_without_a_route()
    {
        using RequestRecorder recorder = new(new object(), maxRoutes: 16);
        recorder.Record(0.001, Tags("GET", "/seen-before", 200));
        IReadOnlyList<RequestSeries.Counts> before = recorder.Read();
        for (int route = 0; route < 12; route++)
        {
            for (int i = 0; i < 20 + route; i++)
            {
                recorder.Record(0.001, Tags("GET", $"/r{route:00}", route == 11 && i % 2 == 0 ? 503 : 200));
            }
        }

        recorder.Record(0.001, Tags("GET", null, 404));
        IReadOnlyList<RequestSeries.Counts> after = recorder.Read();

        DashboardRequests requests = DashboardRequests.From(after, before, seconds: 2)!;

        Assert.Equal(DashboardRequests.RouteRows + 1, requests.Routes.Count);
        Assert.Equal(["/r11", "/r10", "/r09", "/r08", "/r07", "/r06", "/r05", "/r04"], requests.Routes.Take(DashboardRequests.RouteRows).Select(r => r.Route));
        Assert.Equal(31 / 2.0, requests.Routes[0].PerSecond);
        Assert.Equal(16 / 2.0, requests.Routes[0].ErrorsPerSecond);
        // The rest: four routes, and the request that matched no endpoint; the request counted before is not counted again.
        DashboardRoute rest = requests.Routes[^1];
        Assert.Null(rest.Method);
        Assert.Equal((20 + 21 + 22 + 23 + 1) / 2.0, rest.PerSecond);
        Assert.Equal((20 * 12 + 66 + 1) / 2.0, requests.Total.PerSecond);
        Assert.Equal(8, requests.Total.ErrorsPerSecond);
        Assert.InRange(requests.Total.P99Milliseconds!.Value, 0.97, 1.03);
        Assert.Null(DashboardRequests.From(after, previous: null, seconds: 1));
    }

    private static KeyValuePair<string, object?>[] Tags(string method, string? route, int status) =>
    [
        new("http.request.method", method),
        new("url.scheme", "http"),
        new("http.response.status_code", status),
        .. route is null ? Array.Empty<KeyValuePair<string, object?>>() : [new KeyValuePair<string, object?>("http.route", route)],
    ];
}
