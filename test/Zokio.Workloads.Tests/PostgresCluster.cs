using System.Diagnostics;

namespace Zokio.Workloads.Tests;

/// <summary>
/// The PostgreSQL of bench/db/setup.sh, started once for the test run (installing Debian's postgresql when missing
/// and run as root), or the reason it could not be, which the database tests report as their skip reason.
/// </summary>
internal static class PostgresCluster
{
    // apt-get install on a fresh machine takes a while; a start of an installed cluster takes a second.
    private static readonly TimeSpan s_setupTimeout = TimeSpan.FromMinutes(10);

    private static readonly Lazy<State> s_state = new(Start);

    /// <summary>Null when the cluster runs; otherwise why the database tests are skipped.</summary>
    public static string? UnavailableReason => s_state.Value.UnavailableReason;

    public static string ConnectionString => s_state.Value.ConnectionString
        ?? throw new InvalidOperationException($"PostgreSQL is not available: {UnavailableReason}");

    /// <summary>Stops the cluster if this process started it (one that was already running is left as it was).</summary>
    public static void StopIfStartedHere()
    {
        if (s_state.IsValueCreated && s_state.Value.StartedHere)
        {
            RunSetup("stop");
        }
    }

    private static State Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new State(null, "bench/db/setup.sh needs Linux and Debian's postgresql package.", false);
        }

        bool wasRunning = RunSetup("status").ExitCode == 0;
        (int exitCode, string output, string errors) = RunSetup("start");
        if (exitCode != 0)
        {
            return new State(null, $"PostgreSQL could not be started by bench/db/setup.sh (exit {exitCode}): {errors.Trim()}", false);
        }

        string connectionString = output.TrimEnd().Split('\n')[^1];
        return new State(connectionString, null, !wasRunning);
    }

    private static (int ExitCode, string Output, string Errors) RunSetup(string command)
    {
        string script = Path.Combine(Repository.Root, "bench", "db", "setup.sh");
        using Process process = Process.Start(new ProcessStartInfo(script, command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"Could not start {script}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_setupTimeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "", $"{script} {command} did not finish within {s_setupTimeout.TotalMinutes} minutes.");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }

    private sealed record State(string? ConnectionString, string? UnavailableReason, bool StartedHere);
}
