using Zokio.BenchReport;

namespace Zokio.Bench.Tests;

public sealed class ResultsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zokio-bench-tests.").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Results_written_by_the_driver_read_back_the_same_and_keep_one_run_per_line()
    {
        var runs = new List<BenchRun>
        {
            new("plaintext", "zokio", 1, true, null, 49064.9, 4.825, null,
                new Dictionary<string, long> { ["connect"] = 0, ["invalid"] = 0 }, 97.8, 116.5,
                new Dictionary<string, double> { ["idle_connections"] = 10_000, ["steal_percent"] = 0.6 }),
            new("h2c@500rps", "sockets", 1, false, "h2load errors: \"quoted\" <tr> & more", null, null, null,
                new Dictionary<string, long>(), null, null, new Dictionary<string, double>()),
        };
        var results = new BenchResults(BenchResults.CurrentSchema, "20261207T120000Z",
            new BenchHost("6.18", 2, "10.0.401", "wrk 4.1", "", "nginx/1.22.1", ""),
            new BenchConfig(1, 2, 1, true, "samples/WebApi/bin/Release/net10.0/WebApi.dll", 10_000, 500, "", ["plaintext", "h2c@500rps"], ["zokio", "sockets"]),
            runs);
        var path = Path.Combine(_dir, "results.json");

        results.Save(path);
        var read = BenchResults.Load(path);

        Assert.Equal(results.ToJson(), read.ToJson());
        Assert.Equal(results.Host, read.Host);
        Assert.Equal(runs[0].Extra, read.Runs[0].Extra);
        Assert.Equal("h2load errors: \"quoted\" <tr> & more", read.Runs[1].Failure);
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Count(l => l.StartsWith("    {\"scenario\":", StringComparison.Ordinal)));
        Assert.Equal(["  ]", "}"], lines[^2..]);
    }

    [Fact]
    public void Results_the_bash_driver_wrote_give_the_same_report_once_rewritten()
    {
        var bashWritten = BenchResults.Load(Path.Combine(AppContext.BaseDirectory, "Data", "bash-written.json"));
        var path = Path.Combine(_dir, "rewritten.json");

        bashWritten.Save(path);
        var rewritten = BenchResults.Load(path);

        Assert.Equal(bashWritten.Runs.Count, File.ReadAllLines(path).Count(l => l.StartsWith("    {", StringComparison.Ordinal)));
        Assert.Equal(Report(bashWritten), Report(rewritten));
    }

    private static string Report(BenchResults results) => MarkdownReport.Render(results, ServerSummary.Summarize(results));
}
