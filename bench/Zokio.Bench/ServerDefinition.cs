namespace Zokio.Bench;

/// <summary>
/// A server under test: the same build of the same app for every .NET server, switched by configuration
/// (<paramref name="Arguments"/>), or nginx. The table is <see cref="All"/>, one line per server.
/// </summary>
/// <param name="IsDefault">Measured when --servers is not given.</param>
/// <param name="NotYetAvailable">Why it cannot run yet; choosing it fails at start with this reason.</param>
internal sealed record ServerDefinition(string Name, string[] Arguments, bool IsDefault = false, bool IsNginx = false, string? NotYetAvailable = null)
{
    /// <summary>The baseline of every ratio (ServerSummary.BaselineServer in the report).</summary>
    public const string Baseline = "sockets";

    private const string NoZokioServer = "Zokio's own server (--Zokio:Server=Zokio) does not exist yet";

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
        new("zokio-server", ["--Zokio:Server=Zokio"], NotYetAvailable: NoZokioServer),
        new("zokio-server-epoll", ["--Zokio:Server=Zokio", "--Zokio:Backend=Epoll"], NotYetAvailable: NoZokioServer),
    ];

    public static IReadOnlyList<ServerDefinition> Defaults { get; } = All.Where(s => s.IsDefault).ToList();

    public static ServerDefinition Find(string name)
    {
        var server = All.FirstOrDefault(s => s.Name == name)
            ?? throw new BenchAbortException($"unknown server '{name}'; known: {string.Join(' ', All.Where(s => s.NotYetAvailable is null).Select(s => s.Name))}");
        return server.NotYetAvailable is { } reason
            ? throw new BenchAbortException($"server '{name}' is not available yet: {reason}.")
            : server;
    }

    /// <summary>nginx is the baseline only where it can serve the same bytes without an app behind it.</summary>
    public bool TakesPartIn(Scenario scenario) => !IsNginx || scenario.Nginx;
}
