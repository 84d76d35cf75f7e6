using System.Diagnostics;

namespace Zokio.Bench;

/// <summary>
/// One server measured once in one scenario, as BENCH.md's protocol has it: start the server and wait until it answers
/// the scenario's probe, validate its answers where the scenario has a validation, warm up with the scenario's own load,
/// measure while sampling the server's CPU time, the host's steal and the server's peak RSS, stop the server.
/// </summary>
internal sealed class MeasurementProtocol(
    BenchOptions options, BenchEnvironment environment, ServerProcess.Launch launch, LoadRunner load, string[] loadPin, string clientDll)
{
    /// <summary>Measures; the failure is null or why the run failed (any error fails it).</summary>
    public async Task<(Measurement Measured, string? Failure)> RunAsync(Scenario scenario, ServerDefinition definition, int round, CancellationToken cancel)
    {
        var tag = $"{scenario.Name}.{definition.Name}.r{round}";
        var measured = new Measurement();
        var (server, failure) = await ServerProcess.StartAsync(launch, definition, scenario, RunFile(tag, "server.log"), cancel);
        if (server is null)
        {
            return (measured, failure);
        }
        try
        {
            return (measured, await ValidateAsync(scenario, tag, cancel) ?? await MeasureAsync(scenario, server, tag, measured, cancel));
        }
        finally
        {
            await server.StopAsync();
            server.Dispose();
        }
    }

    private async Task<string?> MeasureAsync(Scenario scenario, ServerProcess server, string tag, Measurement measured, CancellationToken cancel)
    {
        if (options.WarmupS > 0)
        {
            await load.RunAsync(scenario, options.WarmupS, RunFile(tag, "warmup.txt"), cancel);
            File.Delete(load.RequestLog(RunFile(tag, "warmup.txt")));
        }

        using var idle = new IdleConnections(environment, loadPin, RunFile(tag, "idle.txt"));
        long rssIdleKb = 0, rssWithConnectionsKb = 0;
        if (scenario.HoldsIdleConnections)
        {
            rssIdleKb = ProcessTree.MemoryKb("VmRSS", server.Id);
            if (await idle.OpenAsync(server.Id, cancel) is { } notHeld)
            {
                await idle.CloseAsync();
                return notHeld;
            }
            // Let each connection's first request finish and the connect burst's SYN retransmits and allocations die
            // down before sampling RSS and measuring.
            await Task.Delay(TimeSpan.FromSeconds(3), cancel);
            rssWithConnectionsKb = ProcessTree.MemoryKb("VmRSS", server.Id);
        }

        var ticks = ProcessTree.CpuTicks(server.Id);
        var steal = CpuSteal.Read(options.Pinned);
        var clock = Stopwatch.StartNew();
        await load.RunAsync(scenario, options.DurationS, RunFile(tag, "load.txt"), cancel);
        var seconds = clock.Elapsed.TotalSeconds;
        measured.CpuPercent = Math.Round((ProcessTree.CpuTicks(server.Id) - ticks) / (double)ProcessTree.ClockTicksPerSecond / seconds * 100, 1);
        measured.StealPercent = Math.Round(CpuSteal.Read(options.Pinned).PercentSince(steal), 1);
        measured.PeakRssMib = Math.Round(ProcessTree.MemoryKb("VmHWM", server.Id) / 1024.0, 1);

        // Closed before the load's output is read: every idle connection must have been served without an error too.
        var notServed = scenario.HoldsIdleConnections ? await idle.CloseAsync() : null;
        if (server.HasExited)
        {
            return $"{server.Name} died during the run: {ServerProcess.LogExcerpt(server.LogPath)}";
        }
        if (notServed is not null)
        {
            return notServed;
        }
        if (scenario.HoldsIdleConnections)
        {
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
            [.. loadPin, "dotnet", clientDll, "validate", test, environment.UrlOf(Endpoint.Http1, ""), launch.DbConnection ?? ""], output);
        await client.WaitForExitAsync(cancel);
        if (client.ExitCode == 0)
        {
            return null;
        }
        var head = string.Join(' ', File.ReadLines(output).Take(3));
        return $"response validation failed: {head[..Math.Min(head.Length, 400)]} (all: {output})";
    }

    private string RunFile(string tag, string kind) => Path.Combine(launch.RunDir, $"{tag}.{kind}");
}
