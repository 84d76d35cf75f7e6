namespace Zokio.Bench;

/// <summary>
/// many-connections' nearly idle keep-alive connections (wrk/idle.lua), opened in batches no larger than the servers'
/// listen backlog (Kestrel 512, nginx 511), each batch accepted before the next. Opening all 10,000 at once overflows
/// the accept queue; with SYN cookies the client then believes some connections are established that the server never
/// accepted, and they stay so until the client next sends, so the server would never hold all of them.
/// </summary>
internal sealed class IdleConnections(BenchEnvironment environment, string[] pin, string outputPrefix) : IDisposable
{
    private const int Batch = 500;
    private static readonly TimeSpan s_batchTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(10);

    private readonly List<ChildProcess> _batches = [];

    /// <summary>Opens them all; returns null, or why the server did not take them.</summary>
    public async Task<string?> OpenAsync(int serverPid, CancellationToken cancel)
    {
        var total = environment.IdleConnections;
        for (var opened = 0; opened < total;)
        {
            var n = Math.Min(Batch, total - opened);
            _batches.Add(ChildProcess.Start(
                [.. pin, "wrk", "-t1", $"-c{n}", "-d1h", "--timeout", "30s", "-s", Path.Combine(environment.BenchDir, "wrk", "idle.lua"),
                 environment.UrlOf(Endpoint.Http1, "/plaintext"), "--", $"{n}"],
                $"{outputPrefix}.{_batches.Count}"));
            opened += n;
            var deadline = DateTime.UtcNow + s_batchTimeout;
            int held;
            while ((held = ProcessTree.ServerConnections(serverPid, environment.H1Port)) < opened)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    return $"server holds only {held} of the {opened} idle connections opened so far, {s_batchTimeout.TotalSeconds:0}s after the last batch of {n}";
                }
                await Task.Delay(200, cancel);
            }
        }
        return null;
    }

    /// <summary>
    /// SIGINT makes wrk stop and print its summary; every idle connection must have been served its first request
    /// without an error, or the RSS per connection would not be what it claims. Returns null or the failure.
    /// </summary>
    public async Task<string?> CloseAsync()
    {
        foreach (var batch in _batches)
        {
            batch.Signal(ChildProcess.SigInt);
        }
        string? failure = null;
        long served = 0;
        for (var i = 0; i < _batches.Count; i++)
        {
            await _batches[i].WaitForExitAsync(s_closeTimeout);
            _batches[i].Dispose();
            var outcome = WrkSummary.Parse(File.ReadAllText($"{outputPrefix}.{i}"));
            if (failure is null && outcome.Failure is { } reason)
            {
                failure = $"idle connections (batch {i}): {reason}";
            }
            served += outcome.Requests;
        }
        _batches.Clear();
        return failure ?? (served < environment.IdleConnections
            ? $"idle connections: only {served} of {environment.IdleConnections} were served their first request"
            : null);
    }

    public void Dispose()
    {
        foreach (var batch in _batches)
        {
            batch.Dispose();
        }
        _batches.Clear();
    }
}
