using ScottPlot;

namespace Zokio.BenchReport;

/// <summary>
/// Grouped bars, one group per scenario and one bar per server: median req/s over the Sockets
/// median, so 1.0 (the dashed line) is parity with Kestrel's stock transport.
/// </summary>
internal static class RatioChart
{
    // Bundled with Debian's fonts-dejavu-core. SkiaSharp's NoDependencies assets have no
    // fontconfig to find system fonts, so without an explicit file text may not render.
    private const string FontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private const string FontName = "DejaVu Sans";

    public static void Save(BenchResults results, IReadOnlyList<ServerSummary> summaries, string path)
    {
        var plot = new Plot();
        if (File.Exists(FontPath))
        {
            Fonts.AddFontFile(FontName, FontPath);
            plot.Font.Set(FontName);
        }

        var scenarios = results.Config.Scenarios.Where(sc => summaries.Any(s => s.Scenario == sc)).ToList();
        var servers = results.Config.Servers.Where(sv => summaries.Any(s => s.Server == sv)).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var groupWidth = servers.Count + 1; // one empty slot between groups

        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < scenarios.Count; i++)
        {
            var baseline = summaries.FirstOrDefault(s => s.Scenario == scenarios[i] && s.Server == ServerSummary.BaselineServer);
            for (var j = 0; j < servers.Count; j++)
            {
                var summary = summaries.FirstOrDefault(s => s.Scenario == scenarios[i] && s.Server == servers[j]);
                if (summary?.RatioTo(baseline) is not { } ratio)
                {
                    continue;
                }
                bars.Add(new Bar
                {
                    Position = (i * groupWidth) + j,
                    Value = ratio,
                    FillColor = palette.GetColor(j),
                    // A hatched bar still shows the ok rounds' ratio but says some rounds failed.
                    FillHatch = summary.Failed ? new ScottPlot.Hatches.Striped() : null,
                    FillHatchColor = Colors.Black.WithAlpha(0.5),
                    Label = summary.Failed ? $"{ratio:0.00}!" : $"{ratio:0.00}",
                });
            }
            ticks.Add(new Tick((i * groupWidth) + ((servers.Count - 1) / 2.0), scenarios[i]));
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 10;
        var parity = plot.Add.HorizontalLine(1.0);
        parity.LinePattern = LinePattern.Dashed;
        parity.Color = Colors.Gray;

        for (var j = 0; j < servers.Count; j++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = servers[j], FillColor = palette.GetColor(j) });
        }
        // Outside the data area, so it never hides a tall bar.
        plot.ShowLegend(Edge.Right);

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.Rotation = -25;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.HideGrid();
        plot.Title($"Median req/s relative to Kestrel Sockets ({results.Timestamp}, " +
            (results.Config.Pinned ? "pinned" : "unpinned") + $", {results.Config.Rounds} round(s))");
        plot.YLabel("ratio to sockets (1.0 = parity)");

        plot.SavePng(path, Math.Clamp(160 * scenarios.Count, 900, 1600), 620);
    }
}
