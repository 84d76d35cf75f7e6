using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zokio.BenchReport;

/// <summary>
/// The raw results of one bench run (results/&lt;timestamp&gt;.json): the one definition of the schema, written by the
/// driver (Zokio.Bench) and read by the report.
/// </summary>
internal sealed record BenchResults(int Schema, string Timestamp, BenchHost Host, BenchConfig Config, IReadOnlyList<BenchRun> Runs)
{
    public const int CurrentSchema = 1;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        // A file, not HTML: failure reasons and tool versions stay readable ("don't", "<tr>").
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // The top level indented, host, config and each run on one line: a results file stays short and diffs run by run.
    private static readonly JsonSerializerOptions s_fileOptions = new(s_options)
    {
        WriteIndented = true,
        Converters = { new OneLine<BenchHost>(""), new OneLine<BenchConfig>(""), new OneLine<BenchRun>("\n    ") },
    };

    public static BenchResults Load(string path)
    {
        using var stream = File.OpenRead(path);
        var results = JsonSerializer.Deserialize<BenchResults>(stream, s_options)
            ?? throw new InvalidDataException($"{path} holds no benchmark results (it is JSON null).");
        if (results.Schema != CurrentSchema)
        {
            throw new InvalidDataException($"{path} has schema {results.Schema}; this tool reads schema {CurrentSchema}.");
        }
        return results;
    }

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    public string ToJson() => JsonSerializer.Serialize(this, s_fileOptions);

    /// <summary>One run as one line of JSON (the driver also appends them to runs.jsonl as they finish).</summary>
    public static string ToJsonLine(BenchRun run) => JsonSerializer.Serialize(run, s_options);

    // The indented writer puts a raw value where it stands (after "key": or after a comma), so a run's line brings
    // its own line break and indentation.
    private sealed class OneLine<T>(string lineStart) : JsonConverter<T>
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<T>(ref reader, s_options);

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteRawValue(lineStart + JsonSerializer.Serialize(value, s_options));
    }
}

/// <summary>
/// Tool versions, each the first line the tool prints (empty when the tool did not take part); <see cref="Postgresql"/>
/// only when a database scenario ran (absent from older results).
/// </summary>
internal sealed record BenchHost(string Kernel, int Cpus, string Dotnet, string Wrk, string H2load, string Nginx, string? Postgresql);

/// <summary>
/// How the run was made. <see cref="Rate"/> is the fixed request rate of a <c>--rate</c> run (null: as fast as the
/// server answers); <see cref="DbOptions"/> what <c>--db-options</c> appended to the connection string. Both are
/// absent from older results.
/// </summary>
internal sealed record BenchConfig(
    int Rounds, int DurationS, int WarmupS, bool Pinned, string App, int IdleConnections, double? Rate, string? DbOptions,
    IReadOnlyList<string> Scenarios, IReadOnlyList<string> Servers);

/// <summary>
/// One server measured once in one scenario. <see cref="Errors"/> holds the load tool's error counts by kind (wrk and
/// the WebSocket client: connect, read, write, timeout, status, invalid; h2load: failed, errored, timeout, status);
/// <see cref="Extra"/> the measurements only some runs have (steal_percent, target_rps, many-connections' RSS).
/// </summary>
internal sealed record BenchRun(
    string Scenario, string Server, int Round, bool Ok, string? Failure,
    double? RequestsPerSec, double? LatencyP50Ms, double? LatencyP99Ms,
    IReadOnlyDictionary<string, long>? Errors, double? CpuPercent, double? PeakRssMib,
    IReadOnlyDictionary<string, double>? Extra);
