using System.Diagnostics;
using System.Globalization;
using Zokio.BenchReport;

namespace Zokio.Bench;

/// <summary>
/// One bench run: builds the app, writes the inputs, then for each scenario and round measures the servers interleaved
/// (Z, E, S, N, Z, E, S, N, …), writes results/&lt;timestamp&gt;.json and latest.{json,md,png}, and exits 1 if any run
/// failed (any error fails a run).
/// </summary>
internal sealed class BenchDriver(BenchOptions options, BenchEnvironment environment)
{
    private static readonly string[] s_serverCore = ["taskset", "-c", "0"];
    private static readonly string[] s_loadCore = ["taskset", "-c", "1"];

    private readonly List<BenchRun> _runs = [];
    private readonly List<string> _failedRuns = [];
    private readonly Database _database = new(environment.BenchDir);
    private string _runDir = "";
    private string _requestLogDir = "";
    private string _clientDll = "";
    private string? _dbConnection;
    private ServerProcess.Launch? _launch;
    private LoadRunner? _load;
    private ServerProcess? _server;

    private string[] ServerPin => options.Pinned ? s_serverCore : [];

    private string[] LoadPin => options.Pinned ? s_loadCore : [];

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        // Logs and load outputs of the latest run only (git-ignored), kept for reading failures.
        var tmp = Path.Combine(environment.ResultsDir, "tmp");
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        _runDir = Directory.CreateDirectory(Path.Combine(tmp, stamp)).FullName;
        _requestLogDir = RequestLogDir(_runDir);
        try
        {
            return await MeasureAllAsync(stamp, cancel);
        }
        finally
        {
            await CleanupAsync();
        }
    }

    private async Task<int> MeasureAllAsync(string stamp, CancellationToken cancel)
    {
        WarnAboutFdLimit();
        var haveH2load = HostInfo.Find("h2load") is not null;
        if (!haveH2load)
        {
            Console.WriteLine("note: h2load (apt package nghttp2-client) is not installed and could not be installed; skipping the HTTP/2 scenarios: " +
                string.Join(' ', Scenario.All.Where(s => s.IsHttp2).Select(s => s.Name)) + ".");
        }
        var nginx = HostInfo.Find("nginx") ?? "/usr/sbin/nginx";
        var appDll = await BuildAsync();
        BenchInputs.Write(_runDir, environment.BenchDir, environment.H1Port);
        if (options.Scenarios.Any(s => s.Database))
        {
            _dbConnection = await _database.StartAsync(options.DbOptions, options.Pinned, Path.Combine(_runDir, "db-setup.log"));
        }
        _launch = new(environment, appDll, _runDir, ServerPin, _dbConnection, nginx);
        _load = new(environment, options.Rate, LoadPin, _runDir, _requestLogDir, _clientDll);

        Console.WriteLine(
            $"Rounds {options.Rounds}, warmup {options.WarmupS}s, measure {options.DurationS}s, " +
            (options.Pinned ? "server on core 0, load on core 1" : "unpinned") +
            (_dbConnection is null ? "" : ", PostgreSQL with the load") +
            (options.Rate is { } rate ? $", fixed rate {rate} req/s" : "") + ".");
        foreach (var scenario in options.Scenarios)
        {
            if (scenario.IsHttp2 && !haveH2load)
            {
                Console.WriteLine($"[{scenario.Name}] SKIPPED: h2load is not installed.");
                continue;
            }
            Console.WriteLine($"[{scenario.Name}]");
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var server in options.Servers.Where(s => s.TakesPartIn(scenario)))
                {
                    await RunOneAsync(scenario, server, round, cancel);
                }
            }
        }

        var json = Path.Combine(environment.ResultsDir, $"{stamp}.json");
        var results = new BenchResults(BenchResults.CurrentSchema, stamp, await HostAsync(nginx, haveH2load), Config(appDll), _runs);
        results.Save(json);
        File.Copy(json, Path.Combine(environment.ResultsDir, "latest.json"), overwrite: true);
        var table = Path.Combine(environment.ResultsDir, "latest.md");
        var chart = Path.Combine(environment.ResultsDir, "latest.png");
        // From the file, as Zokio.BenchReport would: what the table shows is what was written.
        var written = BenchResults.Load(json);
        var summaries = ServerSummary.Summarize(written);
        await File.WriteAllTextAsync(table, MarkdownReport.Render(written, summaries), CancellationToken.None);
        RatioChart.Save(written, summaries, chart);
        Console.WriteLine();
        Console.Write(await File.ReadAllTextAsync(table, CancellationToken.None));
        Console.WriteLine();
        Console.WriteLine($"Raw: {json}   Table: {table}   Chart: {chart}   Logs: {_runDir}");

        if (_failedRuns.Count == 0)
        {
            return 0;
        }
        Console.WriteLine();
        Console.WriteLine($"FAILED runs ({_failedRuns.Count}):");
        _failedRuns.ForEach(f => Console.WriteLine($"  {f}"));
        return 1;
    }

    private async Task RunOneAsync(Scenario scenario, ServerDefinition server, int round, CancellationToken cancel)
    {
        var measured = new Measurement();
        string? failure;
        try
        {
            failure = await MeasureAsync(scenario, server, $"{scenario.Name}.{server.Name}.r{round}", measured, cancel);
            Console.WriteLine(measured.Line(scenario.Name, server.Name, round, failure));
        }
        finally
        {
            await StopServerAsync();
        }
        if (failure is not null)
        {
            _failedRuns.Add($"{scenario.Name}/{server.Name} round {round}: {failure}");
        }
        _runs.Add(measured.ToRun(options.Label(scenario), server.Name, round, failure, options.Rate));
        await File.AppendAllTextAsync(Path.Combine(_runDir, "runs.jsonl"), BenchResults.ToJsonLine(_runs[^1]) + "\n", CancellationToken.None);
    }

    /// <summary>Start, validate, warm up, measure, sample; returns null or why the run failed.</summary>
    private async Task<string?> MeasureAsync(Scenario scenario, ServerDefinition server, string tag, Measurement measured, CancellationToken cancel)
    {
        var load = _load!;
        (_server, var failure) = await ServerProcess.StartAsync(_launch!, server, scenario, RunFile(tag, "server.log"), cancel);
        if (_server is null)
        {
            return failure;
        }
        if (await ValidateAsync(scenario, tag, cancel) is { } invalid)
        {
            return invalid;
        }
        if (options.WarmupS > 0)
        {
            await load.RunAsync(scenario, options.WarmupS, RunFile(tag, "warmup.txt"), cancel);
            File.Delete(load.RequestLog(RunFile(tag, "warmup.txt")));
        }

        using var idle = new IdleConnections(environment, LoadPin, RunFile(tag, "idle.txt"));
        long rssIdleKb = 0, rssWithConnectionsKb = 0;
        if (scenario.HoldsIdleConnections)
        {
            rssIdleKb = ProcessTree.MemoryKb("VmRSS", _server.Id);
            if (await idle.OpenAsync(_server.Id, cancel) is { } notHeld)
            {
                await idle.CloseAsync();
                return notHeld;
            }
            // Let each connection's first request finish and the connect burst's SYN retransmits and allocations die
            // down before sampling RSS and measuring.
            await Task.Delay(TimeSpan.FromSeconds(3), cancel);
            rssWithConnectionsKb = ProcessTree.MemoryKb("VmRSS", _server.Id);
        }

        var ticks = ProcessTree.CpuTicks(_server.Id);
        var steal = CpuSteal.Read(options.Pinned);
        var clock = Stopwatch.StartNew();
        await load.RunAsync(scenario, options.DurationS, RunFile(tag, "load.txt"), cancel);
        var seconds = clock.Elapsed.TotalSeconds;
        measured.CpuPercent = Math.Round((ProcessTree.CpuTicks(_server.Id) - ticks) / (double)ProcessTree.ClockTicksPerSecond / seconds * 100, 1);
        measured.StealPercent = Math.Round(CpuSteal.Read(options.Pinned).PercentSince(steal), 1);
        measured.PeakRssMib = Math.Round(ProcessTree.MemoryKb("VmHWM", _server.Id) / 1024.0, 1);

        if (_server.HasExited)
        {
            var died = $"{server.Name} died during the run: {ServerProcess.LogExcerpt(_server.LogPath)}";
            if (scenario.HoldsIdleConnections)
            {
                await idle.CloseAsync();
            }
            return died;
        }
        if (scenario.HoldsIdleConnections)
        {
            if (await idle.CloseAsync() is { } notServed)
            {
                return notServed;
            }
            var n = environment.IdleConnections;
            measured.Extra["idle_connections"] = n;
            measured.Extra["rss_idle_mib"] = Math.Round(rssIdleKb / 1024.0, 1);
            measured.Extra["rss_with_connections_mib"] = Math.Round(rssWithConnectionsKb / 1024.0, 1);
            measured.Extra["rss_per_connection_kib"] = Math.Round((double)(rssWithConnectionsKb - rssIdleKb) / n, 2);
        }
        measured.Load = load.Parse(scenario, RunFile(tag, "load.txt"));
        return measured.Load.Failure;
    }

    /// <summary>
    /// Checks the answers in depth before the scenario is measured, as TechEmpower's verifier does (row counts for every
    /// queries value, rows and updates against the database, fortunes sorted and escaped; the WebSocket echo and its
    /// close status): a fast wrong answer must fail the run, not win it.
    /// </summary>
    private async Task<string?> ValidateAsync(Scenario scenario, string tag, CancellationToken cancel)
    {
        if (scenario.Validation is not { } test)
        {
            return null;
        }
        var output = RunFile(tag, "validate.txt");
        using var client = ChildProcess.Start(
            [.. LoadPin, "dotnet", _clientDll, "validate", test, environment.UrlOf(Endpoint.Http1, ""), _dbConnection ?? ""], output);
        await client.WaitForExitAsync(cancel);
        if (client.ExitCode == 0)
        {
            return null;
        }
        var head = string.Join(' ', File.ReadLines(output).Take(3));
        return $"response validation failed: {head[..Math.Min(head.Length, 400)]} (all: {output})";
    }

    /// <summary>Builds the app (unless ZOKIO_BENCH_APP_DLL names one) and the bench client; returns the app.</summary>
    private async Task<string> BuildAsync()
    {
        string app;
        if (environment.AppDll is { } given)
        {
            app = File.Exists(given) ? given : throw new BenchAbortException($"ZOKIO_BENCH_APP_DLL={given} does not exist.");
            Console.WriteLine($"Using app {app} (ZOKIO_BENCH_APP_DLL; samples/WebApi not built).");
        }
        else
        {
            Console.WriteLine("Building samples/WebApi (Release) ...");
            await BuildAsync(Path.Combine(environment.RepoDir, "samples", "WebApi"), "build-webapi.log");
            app = Path.Combine(environment.RepoDir, "samples", "WebApi", "bin", "Release", "net10.0", "WebApi.dll");
        }
        // Built up front so a broken client fails before spending minutes on load.
        Console.WriteLine("Building bench/Zokio.BenchClient (Release) ...");
        await BuildAsync(Path.Combine(environment.BenchDir, "Zokio.BenchClient"), "build-Zokio.BenchClient.log");
        _clientDll = Path.Combine(environment.BenchDir, "Zokio.BenchClient", "bin", "Release", "net10.0", "Zokio.BenchClient.dll");
        return app;
    }

    private async Task BuildAsync(string project, string logName)
    {
        var log = Path.Combine(_runDir, logName);
        using var build = ChildProcess.Start(["dotnet", "build", "-c", "Release", project, "-nologo", "-v", "quiet"], log);
        await build.WaitForExitAsync(CancellationToken.None);
        if (build.ExitCode != 0)
        {
            foreach (var line in File.ReadLines(log).TakeLast(30))
            {
                Console.Error.WriteLine(line);
            }
            throw new BenchAbortException($"building {Path.GetRelativePath(environment.RepoDir, project)} failed (log: {log}).");
        }
    }

    private async Task<BenchHost> HostAsync(string nginx, bool haveH2load) => new(
        (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease")).Trim(),
        int.Parse((await ChildProcess.CaptureAsync(["nproc"])).Output.Trim(), CultureInfo.InvariantCulture),
        await HostInfo.VersionAsync("dotnet", "--version"),
        await HostInfo.VersionAsync("wrk", "-v"),
        haveH2load ? await HostInfo.VersionAsync("h2load", "--version") : "",
        await HostInfo.VersionAsync(nginx, "-v"),
        _dbConnection is null ? "" : await HostInfo.VersionAsync("psql", "--version"));

    private BenchConfig Config(string appDll) => new(
        options.Rounds, options.DurationS, options.WarmupS, options.Pinned,
        appDll.StartsWith(environment.RepoDir + "/", StringComparison.Ordinal) ? appDll[(environment.RepoDir.Length + 1)..] : appDll,
        environment.IdleConnections, options.Rate, options.DbOptions,
        options.Scenarios.Select(options.Label).ToList(), options.Servers.Select(s => s.Name).ToList());

    private string RunFile(string tag, string kind) => Path.Combine(_runDir, $"{tag}.{kind}");

    private async Task StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            _server.Dispose();
            _server = null;
        }
    }

    private async Task CleanupAsync()
    {
        if (_requestLogDir.StartsWith("/dev/shm/", StringComparison.Ordinal))
        {
            Directory.Delete(_requestLogDir, recursive: true);
        }
        await StopServerAsync();
        await _database.StopAsync();
    }

    // h2load's per-request logs go to tmpfs (LoadRunner.RequestLog says why), in a directory of their own.
    private static string RequestLogDir(string runDir)
    {
        try
        {
            return Directory.CreateDirectory(Path.Combine("/dev/shm", "zokio-bench." + Path.GetRandomFileName())).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return runDir;
        }
    }

    // many-connections holds 10,000 sockets in the server and 10,000 in wrk; run.sh raised the limit to the hard one.
    private void WarnAboutFdLimit()
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var needed = environment.IdleConnections + 1024;
        if (line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] is { } soft && long.TryParse(soft, CultureInfo.InvariantCulture, out var limit) && limit < needed)
        {
            Console.Error.WriteLine($"warning: fd limit {limit} is below the {needed} that many-connections needs");
        }
    }
}
