using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Zokio.Bench;

/// <summary>
/// A server, load tool or client started with its stdout and stderr written straight to a file (a shell redirects and
/// execs, so the process id is the tool's own and the driver copies nothing while measuring). Disposing kills it if
/// it still runs: nothing the driver started outlives it.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="argv"/> with stdin from /dev/null and its output to <paramref name="outputPath"/>.</summary>
    public static ChildProcess Start(IEnumerable<string> argv, string outputPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" </dev/null >\"$0\" 2>&1");
        start.ArgumentList.Add(outputPath);
        foreach (var arg in argv)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {string.Join(' ', argv)}"));
    }

    /// <summary>Runs a short command to completion and returns its exit code and stdout (stderr to <paramref name="stderrPath"/>, or dropped).</summary>
    public static async Task<(int ExitCode, string Output)> CaptureAsync(IEnumerable<string> argv, string? stderrPath = null)
    {
        var args = argv.ToList();
        var start = new ProcessStartInfo(args[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {args[0]}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (stderrPath is not null)
        {
            await File.WriteAllTextAsync(stderrPath, await errors);
        }
        return (process.ExitCode, await output);
    }

    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, signal); // ESRCH: it exited meanwhile, which is what was wanted
        }
    }

    /// <summary>Waits for the exit; false if <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancel = default)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timer.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return false;
        }
    }

    public Task WaitForExitAsync(CancellationToken cancel) => _process.WaitForExitAsync(cancel);

    public void Dispose()
    {
        Signal(SigKill);
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
