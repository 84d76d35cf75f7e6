using System.Diagnostics;
using System.Text;
using Xunit.Sdk;

namespace Zokio.Reliability.Tests;

/// <summary>
/// Zokio.Reliability.TestServer running in a child process: a server crash (Environment.FailFast in a loop) ends that
/// process only, and the test fails with its exit status and output instead of taking the test host down.
/// </summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private static readonly string s_serverPath = Path.Combine(AppContext.BaseDirectory, "Zokio.Reliability.TestServer.dll");

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _lineAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildServer(Process process) => _process = process;

    public int Port { get; private set; }

    /// <summary>
    /// The arguments that select <paramref name="transport"/> on the command line, as an operator would write them, with
    /// <paramref name="loops"/> loops and a stall threshold of <paramref name="stallThresholdMs"/> (adaptive scheduling).
    /// </summary>
    public static string[] TransportArguments(ServerTransport transport, int loops = 2, int stallThresholdMs = 100) => transport switch
    {
        ServerTransport.Sockets => ["--Zokio:Enabled=false"],
        _ =>
        [
            $"--Zokio:Backend={transport}",
            $"--Zokio:LoopCount={loops}",
            "--Zokio:ApplicationScheduling=Adaptive",
            $"--Zokio:StallThreshold={TimeSpan.FromMilliseconds(stallThresholdMs)}",
        ],
    };

    /// <summary>Starts the server with <paramref name="arguments"/> and waits until it listens.</summary>
    public static async Task<ChildServer> StartAsync(params string[] arguments)
    {
        ChildServer server = Launch(arguments);
        try
        {
            string listening = await server.WaitForLineAsync(line => line.StartsWith("listening ", StringComparison.Ordinal), 0);
            server.Port = int.Parse(listening["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the server with <paramref name="arguments"/> when it is expected to stop by itself (a failed start).</summary>
    public static async Task<(int ExitCode, string[] Output)> RunToExitAsync(params string[] arguments)
    {
        await using ChildServer server = Launch(arguments);
        // Should it start after all, this stops it, and the caller sees it listened.
        int exitCode = await server.StopAsync();
        return (exitCode, server.Output);
    }

    private static ChildServer Launch(string[] arguments)
    {
        ProcessStartInfo start = new(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(s_serverPath);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {s_serverPath}.");
        ChildServer server = new(process);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Every line the server wrote so far (stdout and stderr).</summary>
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

    /// <summary>
    /// Waits for the first line at or after index <paramref name="from"/> that matches, and returns it; fails with the
    /// server's output when the server exits or <see cref="ReliabilityHost.Timeout"/> passes first.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, int from)
    {
        (string Line, int Index) found = await WaitForLineWithIndexAsync(match, from);
        return found.Line;
    }

    /// <inheritdoc cref="WaitForLineAsync"/>
    public async Task<(string Line, int Index)> WaitForLineWithIndexAsync(Func<string, bool> match, int from)
    {
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
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
                await _process.WaitForExitAsync(timeout.Token);
                if (!added.IsCompleted)
                {
                    throw new XunitException($"The server exited before the expected line. {Describe()}");
                }
            }

            try
            {
                await Task.WhenAny(added, Task.Delay(Timeout.Infinite, timeout.Token), _process.WaitForExitAsync(timeout.Token));
                timeout.Token.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                throw new XunitException($"The expected line did not come within {ReliabilityHost.Timeout}. {Describe()}");
            }
        }
    }

    /// <summary>Writes one command line to the server's stdin ("release", "stop").</summary>
    public async Task SendCommandAsync(string command)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException) when (_process.HasExited)
        {
            // The server is gone (its stdin pipe broke); the caller's next wait reports how it ended.
        }
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> against the server; when it fails and the server has died meanwhile, the failure
    /// names the server's exit status and last output (the crash), not the client-side symptom.
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
                throw new XunitException($"The server process died during the scenario. {Describe()}{Environment.NewLine}Client-side error: {ex}");
            }

            throw;
        }
    }

    /// <summary>Stops the server through stdin and returns its exit code; fails if it does not exit in time.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await SendCommandAsync("stop");
        }

        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new XunitException($"The server did not stop within {ReliabilityHost.Timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The exit status (when exited) and the last lines of output, for failure messages.</summary>
    public string Describe()
    {
        StringBuilder text = new();
        text.Append(_process.HasExited ? $"Exit code {_process.ExitCode}" : "Still running").Append("; last output:");
        foreach (string line in Output.TakeLast(40))
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

    /// <summary>The dotnet host running this test process (the SDK sets DOTNET_HOST_PATH), so the child runs on the same runtime.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";
}
