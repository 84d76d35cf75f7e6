using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Zokio.EndToEnd.Tests;

/// <summary>
/// A web app running as its own process, as a user runs it (<c>dotnet App.dll</c> from its folder), on ports the
/// kernel picks; its console log is kept for the test to read. Killed at dispose.
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<Match> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Regex _readyLine;

    private AppProcess(Process process, Regex readyLine)
    {
        _process = process;
        _readyLine = readyLine;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/></c> in its own folder and waits until a log line matches
    /// <paramref name="readyLine"/>; returns that match (its groups carry the addresses).
    /// </summary>
    public static async Task<(AppProcess App, Match Ready)> StartAsync(string assembly, IEnumerable<string> arguments, Regex readyLine, TimeSpan timeout)
    {
        ProcessStartInfo start = Command.Start("dotnet", [assembly, .. arguments], Path.GetDirectoryName(assembly), environment: null);
        AppProcess app = new(new Process { StartInfo = start, EnableRaisingEvents = true }, readyLine);
        app._process.OutputDataReceived += (_, e) => app.OnLine(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.OnLine(e.Data);
        app._process.Exited += (_, _) => app._ready.TrySetException(new InvalidOperationException($"{assembly} exited before it was ready:{Environment.NewLine}{Command.Tail(app.Log)}"));
        app._process.Start();
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        try
        {
            Match ready = await app._ready.Task.WaitAsync(timeout);
            return (app, ready);
        }
        catch (TimeoutException)
        {
            await app.DisposeAsync();
            throw new TimeoutException($"{assembly} logged no line matching {readyLine} within {timeout}:{Environment.NewLine}{Command.Tail(app.Log)}");
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
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

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        if (_readyLine.Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(match);
        }
    }
}
