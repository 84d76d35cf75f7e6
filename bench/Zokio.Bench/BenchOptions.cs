using System.Globalization;

namespace Zokio.Bench;

/// <summary>bench/run.sh's command line, checked before anything starts.</summary>
internal sealed record BenchOptions(
    int Rounds, int DurationS, int WarmupS, bool Pinned, IReadOnlyList<ServerDefinition> Servers,
    IReadOnlyList<Scenario> Scenarios, int? Rate, string DbOptions, bool Help)
{
    public const string Usage = """
        Side-by-side load benchmark: Zokio (io_uring), Zokio (epoll), Kestrel Sockets and nginx on
        loopback, following the project's measuring protocol. See bench/README.md for how to read the output.

        Usage: bench/run.sh [--rounds N] [--duration S] [--warmup S] [--unpinned]
                            [--servers zokio,zokio-epoll,sockets,nginx] [--rate REQ_PER_S]
                            [--db-options 'Npgsql;Options'] [scenario...]

          --rate R        fixed-rate mode: send R req/s (messages/s for ws-echo) instead of as many as the server
                          answers, to compare p99 at equal load; pick R below the slowest server's maximum
          --db-options    appended to the database scenarios' connection string, e.g. 'Multiplexing=true'
          servers zokio-loop and zokio-threadpool: Zokio io_uring with ApplicationScheduling=Loop / ThreadPool
          (zokio itself runs the default, Adaptive); zokio-poll: io_uring receiving with a readiness poll and a direct
          recv instead of multishot receives (ReceiveBuffers=0); scenario 'upload' means upload-1mib and upload-20mib

        Environment overrides (mostly for testing the harness itself):
          ZOKIO_BENCH_APP_DLL          run this app instead of building samples/WebApi
          ZOKIO_BENCH_BASELINE_APP_DLL the build the servers ab-zokio and ab-zokio-epoll run (an A/B of two builds
                                       in the same rounds: e.g. a git worktree of an older commit, its WebApi built)
          ZOKIO_BENCH_H1_PORT/H2C_PORT/TLS_PORT   ports (default 18080/18081/18443)
          ZOKIO_BENCH_IDLE_CONNECTIONS idle connections in many-connections (default 10000)
          ZOKIO_BENCH_CALL_COUNTING_DELAY_MS  DOTNET_TC_CallCountingDelayMs of the .NET servers (default 0)
        """;

    // Not the protocol's 5 s: even with no call-counting delay, a .NET server pinned to one core under h2load still
    // promoted 280-780 methods to tier 1 between 5 s and 10 s of load (h2c, h2-tls; Zokio and Sockets alike), its JIT
    // thread sharing the core with the server, and fewer than 20 from 10 s to 20 s. A 5 s warm-up left that compiling
    // in the measured window.
    private const int DefaultWarmupS = 10;

    /// <summary>Parses the arguments; throws <see cref="BenchAbortException"/> naming the bad one.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        string rounds = "3", duration = "10", warmup = DefaultWarmupS.ToString(CultureInfo.InvariantCulture);
        string? rate = null, servers = null;
        var pinned = true;
        var dbOptions = "";
        var scenarioNames = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => ++i < args.Count ? args[i] : throw new BenchAbortException($"{args[i - 1]} needs a value (see --help).");
            switch (args[i])
            {
                case "--rounds": rounds = Value(); break;
                case "--duration": duration = Value(); break;
                case "--warmup": warmup = Value(); break;
                case "--unpinned": pinned = false; break;
                case "--servers": servers = Value(); break;
                case "--rate": rate = Value(); break;
                case "--db-options": dbOptions = Value(); break;
                case "-h" or "--help": return new BenchOptions(0, 0, 0, pinned, [], [], null, dbOptions, Help: true);
                case ['-', ..]: throw new BenchAbortException($"unknown option '{args[i]}' (see --help)");
                case "upload": scenarioNames.AddRange(["upload-1mib", "upload-20mib"]); break;
                default: scenarioNames.Add(args[i]); break;
            }
        }

        var scenarios = scenarioNames.Count == 0 ? Scenario.All : scenarioNames.Select(Scenario.Find).ToList();
        int? fixedRate = null;
        if (rate is not null)
        {
            fixedRate = PositiveInteger(rate, $"--rate must be a positive whole number of requests per second; got '{rate}'.");
            if (scenarios.Any(s => !s.CanBePaced))
            {
                throw new BenchAbortException("--rate cannot pace plaintext-pipelined: wrk sends 16 requests per write there. Leave it out of a fixed-rate run.");
            }
        }
        return new BenchOptions(
            PositiveInteger(rounds, $"--rounds must be a positive integer; got '{rounds}'."),
            PositiveInteger(duration, $"--duration must be a positive number of seconds; got '{duration}'."),
            warmup.All(char.IsAsciiDigit) && int.TryParse(warmup, NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                ? w
                : throw new BenchAbortException($"--warmup must be a number of seconds (0 allowed); got '{warmup}'."),
            pinned,
            servers is null ? ServerDefinition.Defaults : servers.Split(',').Select(ServerDefinition.Find).ToList(),
            scenarios, fixedRate, dbOptions, Help: false);
    }

    /// <summary>The scenario as results name it: a fixed-rate run is another measurement than the full-speed one.</summary>
    public string Label(Scenario scenario) => Rate is { } rate ? $"{scenario.Name}@{rate}rps" : scenario.Name;

    private static int PositiveInteger(string text, string message) =>
        text.Length > 0 && text[0] != '0' && text.All(char.IsAsciiDigit) &&
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new BenchAbortException(message);
}

/// <summary>A bad command line or environment, or a setup step that failed: printed as one line, exit status 2.</summary>
internal sealed class BenchAbortException(string message) : Exception(message);
