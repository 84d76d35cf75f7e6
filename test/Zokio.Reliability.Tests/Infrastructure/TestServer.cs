namespace Zokio.Reliability.Tests;

/// <summary>
/// Zokio.Reliability.TestServer, run as an <see cref="AppProcess"/>: a server crash (Environment.FailFast in a loop)
/// ends that process only. It prints "listening PORT" once serving and takes commands on stdin ("release", "stop").
/// </summary>
internal static class TestServer
{
    private static readonly string s_path = Path.Combine(AppContext.BaseDirectory, "Zokio.Reliability.TestServer.dll");

    /// <summary>
    /// The arguments that select <paramref name="transport"/> on the command line, as an operator would write them, with
    /// <paramref name="loops"/> loops and a stall threshold of <paramref name="stallThresholdMs"/> (adaptive scheduling).
    /// </summary>
    public static string[] TransportArguments(ServerTransport transport, int loops = 2, int stallThresholdMs = 100) => transport switch
    {
        ServerTransport.Sockets => ["--Zokio:Enabled=false"],
        ServerTransport.ZokioServerIoUring => ["--Zokio:Server=Zokio", .. TransportArguments(ServerTransport.IoUring, loops, stallThresholdMs)],
        ServerTransport.ZokioServerEpoll => ["--Zokio:Server=Zokio", .. TransportArguments(ServerTransport.Epoll, loops, stallThresholdMs)],
        _ =>
        [
            $"--Zokio:Backend={transport}",
            $"--Zokio:LoopCount={loops}",
            "--Zokio:ApplicationScheduling=Adaptive",
            $"--Zokio:StallThreshold={TimeSpan.FromMilliseconds(stallThresholdMs)}",
        ],
    };

    /// <summary>Starts the server with <paramref name="arguments"/> and waits until it listens (its port is <see cref="AppProcess.Port"/>).</summary>
    public static async Task<AppProcess> StartAsync(params string[] arguments) =>
        (await AppProcess.StartAsync(s_path, arguments, ListeningLine())).App;

    /// <summary>Runs the server with <paramref name="arguments"/> when it is expected to stop by itself (a failed start).</summary>
    public static Task<(int ExitCode, string[] Output)> RunToExitAsync(params string[] arguments) => AppProcess.RunToExitAsync(s_path, arguments);

    private static System.Text.RegularExpressions.Regex ListeningLine() => new("^listening (?<port>[0-9]+)$");
}
