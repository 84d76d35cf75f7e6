using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Zokio.Bench;

/// <summary>One server under test, started pinned to the server core with its output in the run's directory.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromMilliseconds(200);

    private readonly ChildProcess _process;

    private ServerProcess(ChildProcess process, string name, string logPath)
    {
        _process = process;
        Name = name;
        LogPath = logPath;
    }

    /// <summary>The server's name in the table (<see cref="ServerDefinition.Name"/>).</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; }

    /// <summary>How servers are started: the app, the run's directory (inputs and logs), the pinning, the database.</summary>
    internal sealed record Launch(BenchEnvironment Environment, string AppDll, string RunDir, string[] Pin, string? DbConnection, string NginxBin);

    /// <summary>
    /// Starts <paramref name="server"/> and waits until it answers <paramref name="scenario"/>'s probe; returns the
    /// server, or the reason it could not (the process then stopped).
    /// </summary>
    public static async Task<(ServerProcess? Server, string? Failure)> StartAsync(
        Launch launch, ServerDefinition server, Scenario scenario, string logPath, CancellationToken cancel)
    {
        var env = launch.Environment;
        foreach (var port in new[] { env.H1Port, env.H2cPort, env.TlsPort })
        {
            if (await PortInUse(port))
            {
                return (null, $"port {port} is already in use before starting {server.Name} (a stale server?)");
            }
        }

        var started = new ServerProcess(server.IsNginx ? StartNginx(launch, logPath) : StartApp(launch, server, logPath), server.Name, logPath);
        try
        {
            var failure = await WaitUntilReadyAsync(started, new ProbeClient(env, launch.RunDir), scenario, cancel);
            if (failure is null)
            {
                return (started, null);
            }
            await started.StopAsync();
            started.Dispose();
            return (null, failure);
        }
        catch
        {
            started.Dispose(); // interrupted: killed, not left running
            throw;
        }
    }

    private static async Task<string?> WaitUntilReadyAsync(ServerProcess server, ProbeClient probes, Scenario scenario, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + s_readyTimeout;
        while (await probes.CheckAsync(scenario.Probe, cancel) is { } problem)
        {
            if (server.HasExited)
            {
                return $"{server.Name} exited during startup: {LogExcerpt(server.LogPath)}";
            }
            if (DateTime.UtcNow >= deadline)
            {
                return $"{server.Name} did not answer the {scenario.Name} probe within {s_readyTimeout.TotalSeconds:0}s: {problem}";
            }
            await Task.Delay(s_probeInterval, cancel);
        }
        return null;
    }

    /// <summary>SIGTERM, then SIGKILL after 10 s: a server that hangs on shutdown must not block the run.</summary>
    public async Task StopAsync()
    {
        _process.Signal(ChildProcess.SigTerm);
        if (!await _process.WaitForExitAsync(s_stopTimeout))
        {
            Console.Error.WriteLine($"  warning: server {_process.Id} ignored SIGTERM for {s_stopTimeout.TotalSeconds:0}s; killing it");
            _process.Signal(ChildProcess.SigKill);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose() => _process.Dispose();

    /// <summary>The line of a server log that says what went wrong (a stack trace's tail says nothing).</summary>
    public static string LogExcerpt(string logPath)
    {
        var text = File.Exists(logPath) ? File.ReadAllText(logPath) : "";
        var line = text.Split('\n').FirstOrDefault(l => ErrorLine().IsMatch(l)) ?? LoadOutcome.Tail(text);
        return $"{line[..Math.Min(line.Length, 400)]} (log: {logPath})";
    }

    private static ChildProcess StartNginx(Launch launch, string logPath)
    {
        var dir = BenchInputs.NginxDir(launch.RunDir);
        return ChildProcess.Start([.. launch.Pin, launch.NginxBin, "-c", Path.Combine(dir, "nginx.conf"), "-p", dir, "-g", "daemon off;"], logPath);
    }

    private static ChildProcess StartApp(Launch launch, ServerDefinition server, string logPath)
    {
        var env = launch.Environment;
        List<string> argv =
        [
            .. launch.Pin, "dotnet", server.IsBaselineBuild ? env.BaselineAppDll! : launch.AppDll,
            $"--Kestrel:Endpoints:h1:Url={env.UrlOf(Endpoint.Http1, "")}",
            $"--Kestrel:Endpoints:h2c:Url={env.UrlOf(Endpoint.H2c, "")}",
            "--Kestrel:Endpoints:h2c:Protocols=Http2",
            $"--Kestrel:Endpoints:h2tls:Url={env.UrlOf(Endpoint.H2Tls, "")}",
            "--Kestrel:Endpoints:h2tls:Protocols=Http2",
            $"--Kestrel:Endpoints:h2tls:Certificate:Path={BenchInputs.CertificatePath(launch.RunDir)}",
            $"--Kestrel:Endpoints:h2tls:Certificate:Password={BenchInputs.CertificatePassword}",
            "--Logging:LogLevel:Default=Warning",
            .. server.Arguments,
        ];
        if (!string.IsNullOrEmpty(launch.DbConnection))
        {
            argv.Add($"--ConnectionStrings:Db={launch.DbConnection}");
        }
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_TC_CallCountingDelayMs"] = $"{env.CallCountingDelayMs}",
            // static-16k and static-1m: the sample serves GET /files/{name} from here.
            ["Files__Root"] = BenchInputs.FilesDir(launch.RunDir),
        };
        return ChildProcess.Start(argv, logPath, environment);
    }

    private static async Task<bool> PortInUse(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Unhandled exception|Exception:|\[(emerg|alert|crit|error)\]")]
    private static partial Regex ErrorLine();
}
