using System.Globalization;

namespace Zokio.Bench;

/// <summary>The environment overrides (see <see cref="BenchOptions.Usage"/>) and where things are.</summary>
internal sealed record BenchEnvironment(
    string BenchDir, int H1Port, int H2cPort, int TlsPort, int IdleConnections, string? AppDll, int CallCountingDelayMs,
    string? BaselineAppDll = null)
{
    public string RepoDir => Path.GetDirectoryName(BenchDir)!;

    public string ResultsDir => Path.Combine(BenchDir, "results");

    /// <summary>The URL of <paramref name="path"/> on one of the server's endpoints, all on loopback.</summary>
    public string UrlOf(Endpoint endpoint, string path) => endpoint switch
    {
        Endpoint.H2c => $"http://127.0.0.1:{H2cPort}{path}",
        Endpoint.H2Tls => $"https://127.0.0.1:{TlsPort}{path}",
        _ => $"http://127.0.0.1:{H1Port}{path}",
    };

    public static BenchEnvironment FromProcess() => new(
        FindBenchDir(),
        Integer("ZOKIO_BENCH_H1_PORT", 18080, 1, 65535),
        Integer("ZOKIO_BENCH_H2C_PORT", 18081, 1, 65535),
        Integer("ZOKIO_BENCH_TLS_PORT", 18443, 1, 65535),
        Integer("ZOKIO_BENCH_IDLE_CONNECTIONS", 10_000, 1, 1_000_000),
        Environment.GetEnvironmentVariable("ZOKIO_BENCH_APP_DLL") is { Length: > 0 } app ? Path.GetFullPath(app) : null,
        // Tiered compilation on one core under load: with the runtime's call-counting delay (100 ms) a server kept
        // promoting methods to tier 1 for 20-30 s under h2load, so a 5 s warm-up measured half-jitted Kestrel (h2c rose
        // 2-3x during the first 30 s, on Sockets and Zokio alike). With no delay every .NET server reaches its steady
        // state within the 10 s warm-up; it changes when the runtime tiers up, not the code it ends with. 100 restores
        // the runtime's default.
        Integer("ZOKIO_BENCH_CALL_COUNTING_DELAY_MS", 0, 0, 100_000),
        Environment.GetEnvironmentVariable("ZOKIO_BENCH_BASELINE_APP_DLL") is { Length: > 0 } baseline ? Path.GetFullPath(baseline) : null);

    private static int Integer(string name, int fallback, int min, int max)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BenchAbortException($"{name} must be a whole number from {min} to {max}; got '{text}'.");
    }

    // The driver runs from bench/Zokio.Bench/bin/<configuration>/<tfm>/; bench/ is the first ancestor holding run.sh.
    private static string FindBenchDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "run.sh")) && File.Exists(Path.Combine(dir.FullName, "wrk", "report.lua")))
            {
                return dir.FullName;
            }
        }
        throw new BenchAbortException($"no bench/ directory (run.sh, wrk/report.lua) above {AppContext.BaseDirectory}.");
    }
}
