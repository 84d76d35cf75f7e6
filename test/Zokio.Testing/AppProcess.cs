using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Zokio.Testing;

/// <summary>
/// A .NET app running as its own process (<c>dotnet App.dll</c> from its folder, on the runtime running the tests), as
/// a user or an operator runs it: a crash ends that process only, and the test fails with its exit status and output
/// instead of taking the test host down. Its output (stdout and stderr) is kept line by line for the test to read and
/// wait on; stdin takes commands. Killed at dispose.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _lineAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Match? _ready;

    private AppProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <summary>The log line <see cref="StartAsync"/> waited for.</summary>
    public Match Ready => _ready ?? throw new InvalidOperationException($"{_name} was not started with a ready line.");

    /// <summary>The port in the ready line's <c>port</c> group.</summary>
    public int Port => int.Parse(Ready.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every line the app wrote so far (stdout and stderr).</summary>
    public string[] Output
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary><see cref="Output"/> as one text.</summary>
    public string Log => string.Join(Environment.NewLine, Output);

    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/></c> in its own folder and waits until a line matches
    /// <paramref name="readyLine"/>; returns that match (its groups carry the addresses). Fails with the app's output
    /// when it exits or <paramref name="timeout"/> (<see cref="Backends.Timeout"/> when null) passes first.
    /// </summary>
    public static async Task<(AppProcess App, Match Ready)> StartAsync(string assembly, IEnumerable<string> arguments, Regex readyLine, TimeSpan? timeout = null)
    {
        AppProcess app = Launch(assembly, arguments);
        try
        {
            string line = await app.WaitForLineAsync(readyLine.IsMatch, 0, timeout);
            app._ready = readyLine.Match(line);
            return (app, app._ready);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>dotnet <paramref name="assembly"/></c> when it is expected to stop by itself (a failed start).</summary>
    public static async Task<(int ExitCode, string[] Output)> RunToExitAsync(string assembly, IEnumerable<string> arguments)
    {
        await using AppProcess app = Launch(assembly, arguments);
        // Should it start after all, this stops it, and the caller sees it listened.
        int exitCode = await app.StopAsync();
        return (exitCode, app.Output);
    }

    private static AppProcess Launch(string assembly, IEnumerable<string> arguments)
    {
        ProcessStartInfo start = new(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(assembly),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        AppProcess app = new(process, Path.GetFileName(assembly));
        process.OutputDataReceived += (_, e) => app.Add(e.Data);
        process.ErrorDataReceived += (_, e) => app.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>
    /// Waits for the first line at or after index <paramref name="from"/> that matches, and returns it; fails with the
    /// app's output when the app exits or <paramref name="timeout"/> (<see cref="Backends.Timeout"/> when null) passes first.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, int from, TimeSpan? timeout = null)
    {
        (string Line, int Index) found = await WaitForLineWithIndexAsync(match, from, timeout);
        return found.Line;
    }

    /// <inheritdoc cref="WaitForLineAsync"/>
    public async Task<(string Line, int Index)> WaitForLineWithIndexAsync(Func<string, bool> match, int from, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Backends.Timeout;
        using CancellationTokenSource expiry = new(limit);
        while (true)
        {
            Task added;
            lock (_lock)
            {
                for (int i = from; i < _lines.Count; i++)
                {
                    if (match(_lines[i]))
                    {
                        return (_lines[i], i);
                    }
                }

                from = _lines.Count;
                added = _lineAdded.Task;
            }

            if (_process.HasExited && !added.IsCompleted)
            {
                // Let the output readers deliver the last lines before calling the line missing.
                await _process.WaitForExitAsync(expiry.Token);
                if (!added.IsCompleted)
                {
                    throw new XunitException($"{_name} exited before the expected line. {Describe()}");
                }
            }

            try
            {
                await Task.WhenAny(added, Task.Delay(System.Threading.Timeout.Infinite, expiry.Token), _process.WaitForExitAsync(expiry.Token));
                expiry.Token.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                throw new XunitException($"The expected line did not come from {_name} within {limit}. {Describe()}");
            }
        }
    }

    /// <summary>Writes one command line to the app's stdin ("release", "stop").</summary>
    public async Task SendCommandAsync(string command)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException) when (_process.HasExited)
        {
            // The app is gone (its stdin pipe broke); the caller's next wait reports how it ended.
        }
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> against the app; when it fails and the app has died meanwhile, the failure names
    /// the app's exit status and last output (the crash), not the client-side symptom.
    /// </summary>
    public async Task RunAsync(Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Exception ex)
        {
            // A crash shows up first as a reset or a refused connection; give the process a moment to be seen dead.
            await Task.WhenAny(_process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(2)));
            if (_process.HasExited)
            {
                throw new XunitException($"{_name} died during the scenario. {Describe()}{Environment.NewLine}Client-side error: {ex}");
            }

            // Alive but wrong: what the server said last is what explains the client's failure.
            throw new XunitException($"The scenario failed against {_name}. {Describe()}{Environment.NewLine}Client-side error: {ex}");
        }
    }

    /// <summary>Stops the app with the "stop" command on stdin and returns its exit code; fails if it does not exit in time.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await SendCommandAsync("stop");
        }

        using CancellationTokenSource timeout = new(Backends.Timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new XunitException($"{_name} did not stop within {Backends.Timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The exit status (when exited) and the last lines of output, for failure messages.</summary>
    public string Describe()
    {
        StringBuilder text = new();
        text.Append(_process.HasExited ? $"Exit code {_process.ExitCode}" : "Still running").Append("; last output:");
        foreach (string line in Output.TakeLast(60))
        {
            text.Append(Environment.NewLine).Append("  ").Append(line);
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource added;
        lock (_lock)
        {
            _lines.Add(line);
            added = _lineAdded;
            _lineAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.SetResult();
    }

    /// <summary>The dotnet host running this test process (the SDK sets DOTNET_HOST_PATH), so the app runs on the same runtime.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";
}
