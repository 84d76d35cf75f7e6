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
    private readonly string _stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private string[] ServerPin => options.Pinned ? s_serverCore : [];

    private string[] LoadPin => options.Pinned ? s_loadCore : [];

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        // Logs and load outputs of the latest run only (git-ignored), kept for reading failures.
        var tmp = Path.Combine(environment.ResultsDir, "tmp");
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        var runDir = Directory.CreateDirectory(Path.Combine(tmp, _stamp)).FullName;
        var requestLogDir = RequestLogDir(runDir);
        try
        {
            return await MeasureAllAsync(runDir, requestLogDir, cancel);
        }
        finally
        {
            if (requestLogDir != runDir)
            {
                Directory.Delete(requestLogDir, recursive: true);
            }
            await _database.StopAsync();
        }
    }

    private async Task<int> MeasureAllAsync(string runDir, string requestLogDir, CancellationToken cancel)
    {
        WarnAboutFdLimit();
        var haveH2load = HostInfo.Find("h2load") is not null;
        if (!haveH2load)
        {
            Console.WriteLine("note: h2load (apt package nghttp2-client) is not installed and could not be installed; skipping the HTTP/2 scenarios: " +
                string.Join(' ', Scenario.All.Where(s => s.IsHttp2).Select(s => s.Name)) + ".");
        }
        var nginx = HostInfo.Find("nginx") ?? "/usr/sbin/nginx";
        var (appDll, clientDll) = await BuildAsync(runDir);
        BenchInputs.Write(runDir, environment.BenchDir, environment.H1Port);
        var db = options.Scenarios.Any(s => s.Database)
            ? await _database.StartAsync(options.DbOptions, options.Pinned, Path.Combine(runDir, "db-setup.log"))
            : null;
        var protocol = new MeasurementProtocol(options, environment, new(environment, appDll, runDir, ServerPin, db, nginx),
            new(environment, options.Rate, LoadPin, runDir, requestLogDir, clientDll), LoadPin, clientDll);

        Console.WriteLine(
            $"Rounds {options.Rounds}, warmup {options.WarmupS}s, measure {options.DurationS}s, " +
            (options.Pinned ? "server on core 0, load on core 1" : "unpinned") +
            (db is null ? "" : ", PostgreSQL with the load") +
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
                    await RunOneAsync(protocol, scenario, server, round, Path.Combine(runDir, "runs.jsonl"), cancel);
                }
            }
        }

        var host = await HostAsync(nginx, haveH2load, db is not null);
        await WriteResultsAsync(new BenchResults(BenchResults.CurrentSchema, _stamp, host, Config(appDll), _runs), runDir);
        if (_failedRuns.Count == 0)
        {
            return 0;
        }
        Console.WriteLine();
        Console.WriteLine($"FAILED runs ({_failedRuns.Count}):");
        _failedRuns.ForEach(f => Console.WriteLine($"  {f}"));
        return 1;
    }

    private async Task RunOneAsync(
        MeasurementProtocol protocol, Scenario scenario, ServerDefinition server, int round, string runsFile, CancellationToken cancel)
    {
        var (measured, failure) = await protocol.RunAsync(scenario, server, round, cancel);
        Console.WriteLine(measured.Line(scenario.Name, server.Name, round, failure));
        if (failure is not null)
        {
            _failedRuns.Add($"{scenario.Name}/{server.Name} round {round}: {failure}");
        }
        var run = measured.ToRun(options.Label(scenario), server.Name, round, failure, options.Rate);
        _runs.Add(run);
        // As the runs finish: a run cut short still leaves what it measured.
        await File.AppendAllTextAsync(runsFile, BenchResults.ToJsonLine(run) + "\n", CancellationToken.None);
    }

    /// <summary>results/&lt;timestamp&gt;.json, latest.json, and the table and chart made from the file as Zokio.BenchReport makes them.</summary>
    private async Task WriteResultsAsync(BenchResults results, string runDir)
    {
        var json = Path.Combine(environment.ResultsDir, $"{_stamp}.json");
        var table = Path.Combine(environment.ResultsDir, "latest.md");
        var chart = Path.Combine(environment.ResultsDir, "latest.png");
        results.Save(json);
        File.Copy(json, Path.Combine(environment.ResultsDir, "latest.json"), overwrite: true);
        var written = BenchResults.Load(json);
        var summaries = ServerSummary.Summarize(written);
        var markdown = MarkdownReport.Render(written, summaries);
        await File.WriteAllTextAsync(table, markdown);
        RatioChart.Save(written, summaries, chart);
        Console.WriteLine();
        Console.Write(markdown);
        Console.WriteLine();
        Console.WriteLine($"Raw: {json}   Table: {table}   Chart: {chart}   Logs: {runDir}");
    }

    /// <summary>Builds the app (unless ZOKIO_BENCH_APP_DLL names one) and the bench client, before minutes are spent on load.</summary>
    private async Task<(string App, string Client)> BuildAsync(string runDir)
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
            app = await BuildAsync(Path.Combine(environment.RepoDir, "samples", "WebApi"), "WebApi", Path.Combine(runDir, "build-webapi.log"));
        }
        if (options.Servers.Any(s => s.IsBaselineBuild) && !File.Exists(environment.BaselineAppDll))
        {
            throw new BenchAbortException("the servers ab-zokio and ab-zokio-epoll run ZOKIO_BENCH_BASELINE_APP_DLL, which is " +
                (environment.BaselineAppDll is null ? "not set." : $"{environment.BaselineAppDll}, a file that does not exist."));
        }
        Console.WriteLine("Building bench/Zokio.BenchClient (Release) ...");
        var client = await BuildAsync(
            Path.Combine(environment.BenchDir, "Zokio.BenchClient"), "Zokio.BenchClient", Path.Combine(runDir, "build-Zokio.BenchClient.log"));
        return (app, client);
    }

    private async Task<string> BuildAsync(string projectDir, string assembly, string log)
    {
        using var build = ChildProcess.Start(["dotnet", "build", "-c", "Release", projectDir, "-nologo", "-v", "quiet"], log);
        await build.WaitForExitAsync(CancellationToken.None);
        if (build.ExitCode != 0)
        {
            foreach (var line in File.ReadLines(log).TakeLast(30))
            {
                Console.Error.WriteLine(line);
            }
            throw new BenchAbortException($"building {Path.GetRelativePath(environment.RepoDir, projectDir)} failed (log: {log}).");
        }
        return Path.Combine(projectDir, "bin", "Release", "net10.0", $"{assembly}.dll");
    }

    private static async Task<BenchHost> HostAsync(string nginx, bool haveH2load, bool database) => new(
        (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease")).Trim(),
        int.Parse((await ChildProcess.CaptureAsync(["nproc"])).Output.Trim(), CultureInfo.InvariantCulture),
        await HostInfo.VersionAsync("dotnet", "--version"),
        await HostInfo.VersionAsync("wrk", "-v"),
        haveH2load ? await HostInfo.VersionAsync("h2load", "--version") : "",
        await HostInfo.VersionAsync(nginx, "-v"),
        database ? await HostInfo.VersionAsync("psql", "--version") : "");

    private BenchConfig Config(string appDll) => new(
        options.Rounds, options.DurationS, options.WarmupS, options.Pinned,
        appDll.StartsWith(environment.RepoDir + "/", StringComparison.Ordinal) ? appDll[(environment.RepoDir.Length + 1)..] : appDll,
        environment.IdleConnections, options.Rate, options.DbOptions,
        options.Scenarios.Select(options.Label).ToList(), options.Servers.Select(s => s.Name).ToList());

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
