using Zokio.Bench;

namespace Zokio.Bench.Tests;

public sealed class CommandLineTests
{
    private static readonly BenchEnvironment s_environment = new("/repo/bench", 18080, 18081, 18443, 10_000, null, 0);

    [Fact]
    public void Without_arguments_every_scenario_runs_on_the_default_servers_for_3_rounds_pinned()
    {
        var options = BenchOptions.Parse([]);

        Assert.Equal(Scenario.All, options.Scenarios);
        Assert.Equal(["zokio", "zokio-epoll", "sockets", "nginx", "zokio-server", "zokio-server-epoll"], options.Servers.Select(s => s.Name));
        Assert.Equal((3, 10, 10, true, (int?)null), (options.Rounds, options.DurationS, options.WarmupS, options.Pinned, options.Rate));
    }

    [Fact]
    public void Upload_means_both_upload_scenarios_and_a_rate_names_the_results()
    {
        var options = BenchOptions.Parse(["--rate", "500", "--warmup", "0", "--unpinned", "upload", "h2c"]);

        Assert.Equal(["upload-1mib@500rps", "upload-20mib@500rps", "h2c@500rps"], options.Scenarios.Select(options.Label));
        Assert.Equal((0, false), (options.WarmupS, options.Pinned));
    }

    [Theory]
    [InlineData("--rounds", "0", "--rounds must be a positive integer; got '0'.")]
    [InlineData("--duration", "1.5", "--duration must be a positive number of seconds; got '1.5'.")]
    [InlineData("--warmup", "-1", "--warmup must be a number of seconds (0 allowed); got '-1'.")]
    [InlineData("--rate", "010", "--rate must be a positive whole number of requests per second; got '010'.")]
    [InlineData("--servers", "zokio,iis", "unknown server 'iis'; known: zokio zokio-epoll zokio-poll zokio-reuseport zokio-loop zokio-threadpool sockets nginx zokio-server zokio-server-epoll ab-zokio ab-zokio-epoll")]
    public void Invalid_option_fails_with_one_message_naming_it(string option, string value, string message)
    {
        Assert.Equal(message, Assert.Throws<BenchAbortException>(() => BenchOptions.Parse([option, value])).Message);
    }

    [Fact]
    public void Pipelined_plaintext_cannot_be_paced()
    {
        var error = Assert.Throws<BenchAbortException>(() => BenchOptions.Parse(["--rate", "100", "plaintext-pipelined"]));

        Assert.StartsWith("--rate cannot pace plaintext-pipelined", error.Message);
    }

    [Fact]
    public void Fixed_rate_wrk_runs_the_scenario_script_through_fixed_rate_lua()
    {
        var runner = new LoadRunner(s_environment, 2000, [], "/run", "/dev/shm/x", "client.dll");

        var (argv, environment) = runner.Command(Scenario.Find("db").Load, 7, "/run/db.zokio.r1.load.txt");

        Assert.Equal(
            ["wrk", "-t1", "-c256", "-d7s", "--timeout", "8s", "-s", "/repo/bench/wrk/fixed-rate.lua", "http://127.0.0.1:18080/db", "--", "1"],
            argv);
        Assert.Equal("/repo/bench/wrk/db.lua", environment["ZOKIO_BENCH_SCRIPT"]);
        Assert.Equal("2000", environment["ZOKIO_BENCH_RATE"]);
    }

    [Fact]
    public void H2load_logs_each_request_to_the_request_log_directory_and_paces_each_client()
    {
        var runner = new LoadRunner(s_environment, 1000, [], "/run", "/dev/shm/x", "client.dll");

        var (argv, _) = runner.Command(Scenario.Find("grpc-unary").Load, 10, "/run/grpc-unary.zokio.r2.load.txt");

        Assert.Equal(
            ["h2load", "-c64", "-m16", "-t1", "-D", "10", "--rps=15.625", "--log-file=/dev/shm/x/grpc-unary.zokio.r2.load.txt.requests",
             "-d", "/run/grpc-hello.bin", "-H", "content-type: application/grpc", "-H", "te: trailers",
             "http://127.0.0.1:18081/greet.Greeter/SayHello"],
            argv);
    }
}
