using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zokio.BenchReport;

/// <summary>The raw results bench/run.sh writes (results/&lt;timestamp&gt;.json).</summary>
internal sealed record BenchResults(int Schema, string Timestamp, BenchHost Host, BenchConfig Config, IReadOnlyList<BenchRun> Runs)
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static BenchResults Load(string path)
    {
        using var stream = File.OpenRead(path);
        var results = JsonSerializer.Deserialize<BenchResults>(stream, s_options)
            ?? throw new InvalidDataException($"{path} holds no benchmark results (it is JSON null).");
        if (results.Schema != 1)
        {
            throw new InvalidDataException($"{path} has schema {results.Schema}; this tool reads schema 1.");
        }
        return results;
    }
}

/// <summary>Tool versions; <see cref="Postgresql"/> only when a database scenario ran (absent from older results).</summary>
internal sealed record BenchHost(string Kernel, int Cpus, string Dotnet, string Wrk, string H2load, string Nginx, string? Postgresql);

/// <summary>
/// How the run was made. <see cref="Rate"/> is the fixed request rate of a <c>--rate</c> run (null: as fast as the
/// server answers); <see cref="DbOptions"/> what <c>--db-options</c> appended to the connection string. Both are
/// absent from older results.
/// </summary>
internal sealed record BenchConfig(
    int Rounds, int DurationS, int WarmupS, bool Pinned, string App, int IdleConnections,
    IReadOnlyList<string> Scenarios, IReadOnlyList<string> Servers, double? Rate, string? DbOptions);

/// <summary>One server measured once in one scenario.</summary>
internal sealed record BenchRun(
    string Scenario, string Server, int Round, bool Ok, string? Failure,
    double? RequestsPerSec, double? LatencyP50Ms, double? LatencyP99Ms,
    IReadOnlyDictionary<string, long>? Errors, double? CpuPercent, double? PeakRssMib,
    IReadOnlyDictionary<string, double>? Extra);
