namespace Zokio.Bench;

/// <summary>
/// PostgreSQL for the database scenarios (bench/db/setup.sh), pinned with the load generator so the server's core runs
/// only the server. Stopped at the end if this run started it.
/// </summary>
internal sealed class Database(string benchDir)
{
    private string SetupScript => Path.Combine(benchDir, "db", "setup.sh");

    private bool _startedHere;

    /// <summary>Starts (or reuses) the cluster; returns its connection string with <paramref name="options"/> appended.</summary>
    public async Task<string> StartAsync(string options, bool pinned, string logPath)
    {
        _startedHere = (await ChildProcess.CaptureAsync([SetupScript, "status"])).ExitCode != 0;
        Console.WriteLine("Starting PostgreSQL (bench/db/setup.sh) ...");
        var (exitCode, output) = await ChildProcess.CaptureAsync([SetupScript], logPath);
        var connection = output.TrimEnd('\n').Split('\n')[^1];
        if (exitCode != 0 || connection.Length == 0)
        {
            Console.Error.Write(File.ReadAllText(logPath));
            throw new BenchAbortException("bench/db/setup.sh failed; the database scenarios cannot run.");
        }
        if (pinned)
        {
            // Backends are forked from the postmaster and inherit its affinity; pin the ones already running too.
            var (_, pid) = await ChildProcess.CaptureAsync([SetupScript, "pid"]);
            foreach (var process in ProcessTree.Of(int.Parse(pid.Trim(), System.Globalization.CultureInfo.InvariantCulture)))
            {
                await ChildProcess.CaptureAsync(["taskset", "-a", "-p", "-c", "1", $"{process}"]);
            }
        }
        return options.Length == 0 ? connection : $"{connection};{options}";
    }

    public async Task StopAsync()
    {
        if (_startedHere)
        {
            await ChildProcess.CaptureAsync([SetupScript, "stop"]);
        }
    }
}
