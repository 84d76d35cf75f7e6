using Zokio.Bench;

namespace Zokio.Bench.Tests;

public sealed class LoadOutputTests
{
    private const string WrkOutput = """
        Running 2s test @ http://127.0.0.1:18080/plaintext
          1 threads and 256 connections
          33638 requests in 2.08s, 4.23MB read
        Requests/sec:  16141.61
        ZOKIO_BENCH requests=33638 duration_us=2083931 bytes=4440216 connect=0 read=0 write=0 status=0 timeout=0 invalid=0 p50_us=12599 p90_us=32813 p99_us=113201 max_us=142705

        """;

    private const string H2loadOutput = """
        starting benchmark...
        Application protocol: h2c
        Main benchmark duration is over for thread #0. Stopping all clients.

        finished in 2.00s, 48416.00 req/s, 1.85MB/s
        requests: 96832 total, 97856 started, 96832 done, 96832 succeeded, 0 failed, 0 errored, 0 timeout
        status codes: 96832 2xx, 0 3xx, 0 4xx, 0 5xx
        traffic: 3.70MB (3883803) total, 857.88KB (878464) headers (space savings 90.35%), 1.20MB (1258816) data

        """;

    [Fact]
    public void Wrk_summary_gives_requests_per_second_latency_in_ms_and_every_error_kind()
    {
        var outcome = WrkSummary.Parse(WrkOutput);

        Assert.Null(outcome.Failure);
        Assert.Equal(16141.6, outcome.RequestsPerSec);
        Assert.Equal(12.599, outcome.P50Ms);
        Assert.Equal(113.201, outcome.P99Ms);
        Assert.Equal(33638, outcome.Requests);
        Assert.Equal(["connect", "read", "write", "timeout", "status", "invalid"], outcome.Errors.Keys);
        Assert.All(outcome.Errors.Values, count => Assert.Equal(0, count));
    }

    [Fact]
    public void Wrk_summary_with_any_error_fails_the_run_and_names_each_count()
    {
        var outcome = WrkSummary.Parse(WrkOutput.Replace("read=0", "read=3").Replace("invalid=0", "invalid=1"));

        Assert.Equal("load errors: connect 0, read 3, write 0, timeout 0, non-2xx/3xx 0, invalid responses 1", outcome.Failure);
        Assert.Equal(16141.6, outcome.RequestsPerSec); // kept with the failed run
    }

    [Fact]
    public void Wrk_percentile_it_could_not_compute_is_null_and_a_missing_invalid_count_is_zero()
    {
        var outcome = WrkSummary.Parse(WrkOutput.Replace("p50_us=12599", "p50_us=-1").Replace(" invalid=0", ""));

        Assert.Null(outcome.Failure);
        Assert.Null(outcome.P50Ms);
        Assert.Equal(0, outcome.Errors["invalid"]);
    }

    [Fact]
    public void Wrk_without_a_summary_or_without_requests_fails()
    {
        Assert.StartsWith("wrk printed no summary: unable to connect", WrkSummary.Parse("unable to connect to 127.0.0.1:18080\n").Failure);
        Assert.Equal("wrk completed no requests", WrkSummary.Parse(WrkOutput.Replace("requests=33638", "requests=0")).Failure);
    }

    [Fact]
    public void H2load_summary_gives_its_rate_and_percentiles_from_the_request_log()
    {
        long[] latencies = [.. Enumerable.Range(1, 200).Select(i => (long)i * 1000).Reverse()];

        var outcome = H2LoadSummary.Parse(H2loadOutput, latencies);

        Assert.Null(outcome.Failure);
        Assert.Equal(48416.0, outcome.RequestsPerSec);
        Assert.Equal(100.0, outcome.P50Ms); // rank ⌊200 × 0.50⌋ = 100
        Assert.Equal(198.0, outcome.P99Ms); // rank ⌊200 × 0.99⌋ = 198
        Assert.Equal(new Dictionary<string, long> { ["failed"] = 0, ["errored"] = 0, ["timeout"] = 0, ["status"] = 0 }, outcome.Errors);
    }

    [Fact]
    public void H2load_errors_and_error_statuses_fail_the_run()
    {
        var outcome = H2LoadSummary.Parse(
            H2loadOutput.Replace("0 failed, 0 errored", "2 failed, 1 errored").Replace("0 4xx, 0 5xx", "4 4xx, 5 5xx"), []);

        Assert.Equal("h2load errors: failed 2, errored 1, timeout 0, 4xx 4, 5xx 5", outcome.Failure);
        Assert.Equal(9, outcome.Errors["status"]);
        Assert.Null(outcome.P99Ms);
    }

    [Fact]
    public void H2load_that_fell_back_to_http1_fails_the_run()
    {
        var outcome = H2LoadSummary.Parse(H2loadOutput.Replace("Application protocol: h2c", "Application protocol: http/1.1"), []);

        Assert.Equal("h2load did not negotiate HTTP/2: Application protocol: http/1.1", outcome.Failure);
    }

    [Fact]
    public void Fixed_rate_run_below_95_percent_of_its_rate_fails()
    {
        var outcome = WrkSummary.Parse(WrkOutput);

        Assert.Null(outcome.CheckRate(16000).Failure);
        Assert.StartsWith("served 16141.6 req/s of the fixed 17000: not an equal-load comparison", outcome.CheckRate(17000).Failure);
    }

    [Fact]
    public void Steal_is_the_share_of_the_cpus_ticks_between_two_samples()
    {
        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        var before = CpuSteal.Parse(["cpu  10 0 10 70 0 0 0 10 0 0", "cpu0 5 0 5 85 0 0 0 5 0 0"], "cpu0");
        var after = CpuSteal.Parse(["cpu  10 0 10 70 0 0 0 10 0 0", "cpu0 15 0 15 145 0 0 0 25 0 0"], "cpu0");

        Assert.Equal(20.0, after.PercentSince(before));
    }

    [Fact]
    public void Server_connections_are_established_rows_on_the_port_with_an_owned_inode()
    {
        string[] procNetTcp =
        [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1",
            "   1: 0100007F:46A0 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 101 1",
            "   2: 0100007F:46A0 0100007F:C351 01 00000000:00000000 00:00000000 00000000     0        0 102 1",
            "   3: 0100007F:C352 0100007F:46A0 01 00000000:00000000 00:00000000 00000000     0        0 103 1",
        ];

        // 18080 = 0x46A0; 102 is still in the backlog (not the server's), 103 is the client's end.
        Assert.Equal(1, ProcessTree.CountEstablished(procNetTcp, 18080, new HashSet<string> { "100", "101", "103" }));
    }
}
