using System.Diagnostics;
using System.Text;

namespace Zokio.Testing;

/// <summary>Runs a program to completion, with its output collected and a time limit.</summary>
public static class Command
{
    public sealed record Result(int ExitCode, string Output)
    {
        public Result EnsureSuccess(string what) =>
            ExitCode == 0 ? this : throw new InvalidOperationException($"{what} exited with {ExitCode}:{Environment.NewLine}{Tail(Output)}");
    }

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        ProcessStartInfo start = Start(fileName, arguments, workingDirectory, environment);
        using Process process = new() { StartInfo = start };
        StringBuilder output = new();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using CancellationTokenSource limit = new(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}:{Environment.NewLine}{Tail(Snapshot(output))}");
        }

        // WaitForExitAsync returns once the process exits; the last output lines may still be on their way.
        process.WaitForExit();
        return new Result(process.ExitCode, Snapshot(output));
    }

    public static ProcessStartInfo Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        ProcessStartInfo start = new(fileName, arguments)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    public static string Tail(string output, int lines = 60) =>
        string.Join(Environment.NewLine, output.Split('\n').TakeLast(lines));

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
