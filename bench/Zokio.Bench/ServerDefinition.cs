namespace Zokio.Bench;

/// <summary>
/// A server under test: the same build of the same app for every .NET server, switched by configuration
/// (<paramref name="Arguments"/>), or nginx. The table is <see cref="All"/>, one line per server.
/// </summary>
/// <param name="IsDefault">Measured when --servers is not given.</param>
/// <param name="IsBaselineBuild">Runs another build of the app (ZOKIO_BENCH_BASELINE_APP_DLL), for an A/B of two builds
/// interleaved in the same rounds.</param>
internal sealed record ServerDefinition(string Name, string[] Arguments, bool IsDefault = false, bool IsNginx = false, bool IsBaselineBuild = false)
{
    /// <summary>The baseline of every ratio (ServerSummary.BaselineServer in the report).</summary>
    public const string Baseline = "sockets";

    public static readonly IReadOnlyList<ServerDefinition> All =
    [
        new("zokio", [], IsDefault: true),
        // What containers under the default seccomp profile get, so it matters as much.
        new("zokio-epoll", ["--Zokio:Backend=Epoll"], IsDefault: true),
        new("zokio-poll", ["--Zokio:ReceiveBuffers=0"]),
        // One SO_REUSEPORT listening socket per loop instead of the default one listener dealing round-robin; the two
        // differ only with more than one loop, so compare them with --unpinned.
        new("zokio-reuseport", ["--Zokio:ReusePort=true"]),
        new("zokio-loop", ["--Zokio:ApplicationScheduling=Loop"]),
        new("zokio-threadpool", ["--Zokio:ApplicationScheduling=ThreadPool"]),
        new(Baseline, ["--Zokio:Enabled=false"], IsDefault: true),
        new("nginx", [], IsDefault: true, IsNginx: true),
        // Zokio's own HTTP/1.1 server (HTTP/2 still goes to Kestrel inside it, so its h2c rows measure that).
        new("zokio-server", ["--Zokio:Server=Zokio"], IsDefault: true),
        new("zokio-server-epoll", ["--Zokio:Server=Zokio", "--Zokio:Backend=Epoll"], IsDefault: true),
        // The same two as zokio and zokio-epoll, on the build of ZOKIO_BENCH_BASELINE_APP_DLL: old against new, same rounds.
        new("ab-zokio", [], IsBaselineBuild: true),
        new("ab-zokio-epoll", ["--Zokio:Backend=Epoll"], IsBaselineBuild: true),
    ];

    public static IReadOnlyList<ServerDefinition> Defaults { get; } = All.Where(s => s.IsDefault).ToList();

    public static ServerDefinition Find(string name)
    {
        return All.FirstOrDefault(s => s.Name == name)
            ?? throw new BenchAbortException($"unknown server '{name}'; known: {string.Join(' ', All.Select(s => s.Name))}");
    }

    /// <summary>nginx is the baseline only where it can serve the same bytes without an app behind it.</summary>
    public bool TakesPartIn(Scenario scenario) => !IsNginx || scenario.Nginx;
}
