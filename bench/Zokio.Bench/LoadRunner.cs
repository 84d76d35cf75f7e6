using System.Globalization;

namespace Zokio.Bench;

/// <summary>
/// Runs a scenario's load generator pinned to the load core and parses what it printed. With --rate, wrk runs the
/// scenario's script through wrk/fixed-rate.lua, h2load paces each client with --rps and the WebSocket client with --rate.
/// </summary>
internal sealed class LoadRunner(BenchEnvironment environment, int? rate, string[] pin, string inputsDir, string requestLogDir, string clientDll)
{
    public async Task RunAsync(Scenario scenario, int seconds, string outputPath, CancellationToken cancel)
    {
        var (argv, env) = Command(scenario.Load, seconds, outputPath);
        using var load = ChildProcess.Start([.. pin, .. argv], outputPath, env);
        await load.WaitForExitAsync(cancel); // judged by its summary, not its exit code
    }

    public LoadOutcome Parse(Scenario scenario, string outputPath)
    {
        var output = File.Exists(outputPath) ? File.ReadAllText(outputPath) : "";
        var outcome = scenario.IsHttp2
            ? H2LoadSummary.Parse(output, H2LoadSummary.ReadRequestLog(RequestLog(outputPath)))
            : WrkSummary.Parse(output);
        return outcome.CheckRate(rate);
    }

    /// <summary>
    /// Where h2load logs every request of load output <paramref name="outputPath"/>. On tmpfs: written to the disk under
    /// the run's directory, that log capped h2load at ~60k req/s (a line per request), below what the servers answer,
    /// so every h2 ratio came out near 1.
    /// </summary>
    public string RequestLog(string outputPath) => Path.Combine(requestLogDir, Path.GetFileName(outputPath) + ".requests");

    public (List<string> Argv, Dictionary<string, string> Environment) Command(LoadSpec load, int seconds, string outputPath)
    {
        var env = new Dictionary<string, string>();
        List<string> argv;
        switch (load)
        {
            case WrkLoad wrk:
                var script = Path.Combine(environment.BenchDir, wrk.Script);
                argv = ["wrk", "-t1", $"-c{wrk.Connections}", $"-d{seconds}s", .. wrk.Options];
                if (rate is { } r)
                {
                    env["ZOKIO_BENCH_SCRIPT"] = script;
                    env["ZOKIO_BENCH_RATE"] = $"{r}";
                    script = Path.Combine(environment.BenchDir, "wrk", "fixed-rate.lua");
                }
                argv.AddRange(["-s", script, environment.UrlOf(Endpoint.Http1, wrk.Path)]);
                if (wrk.ScriptArgs.Length > 0)
                {
                    argv.AddRange(["--", .. wrk.ScriptArgs]);
                }
                break;
            case H2Load h2:
                argv = ["h2load", $"-c{h2.Clients}", $"-m{h2.Streams}", "-t1", "-D", $"{seconds}"];
                if (rate is { } perSecond)
                {
                    argv.Add(string.Create(CultureInfo.InvariantCulture, $"--rps={(double)perSecond / h2.Clients:0.000}"));
                }
                argv.Add($"--log-file={RequestLog(outputPath)}");
                if (h2.DataFile is not null)
                {
                    argv.AddRange(["-d", Path.Combine(inputsDir, h2.DataFile)]);
                }
                if (h2.Grpc)
                {
                    argv.AddRange(["-H", "content-type: application/grpc", "-H", "te: trailers"]);
                }
                argv.Add(environment.UrlOf(h2.Endpoint, h2.Path));
                break;
            case WebSocketEchoLoad ws:
                // Inline socket completions: the client's continuations run on .NET's epoll thread instead of hopping to
                // the thread pool, which lets one core drive more messages (the server must be the bottleneck).
                env["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
                var url = environment.UrlOf(Endpoint.Http1, "/ws").Replace("http://", "ws://", StringComparison.Ordinal);
                argv = ["dotnet", clientDll, "ws-echo", url, "--connections", $"{ws.Connections}",
                        "--duration", $"{seconds}", "--message-bytes", $"{ws.MessageBytes}"];
                if (rate is { } messages)
                {
                    argv.AddRange(["--rate", $"{messages}"]);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(load), load, "unknown load");
        }
        return (argv, env);
    }
}
