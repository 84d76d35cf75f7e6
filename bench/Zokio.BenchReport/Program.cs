using Zokio.BenchReport;

// Reads the raw JSON that bench/run.sh (Zokio.Bench) wrote and writes the Markdown table and the ratio chart.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Zokio.BenchReport <results.json> <table.md> <chart.png>");
    return 2;
}

var results = BenchResults.Load(args[0]);
var summaries = ServerSummary.Summarize(results);
File.WriteAllText(args[1], MarkdownReport.Render(results, summaries));
RatioChart.Save(results, summaries, args[2]);
return 0;
