using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Zokio.EndToEnd.Tests;

/// <summary>
/// Facts stated in more than one place (README.md, the package's readme src/PACKAGE.md, the Kubernetes manifest) say
/// the same thing, and the measured ones say what the benchmark's latest run (bench/results/latest.json) measured.
/// </summary>
public partial class DocumentationFactsTests
{
    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([Repository.Root, .. path]));

    [Fact]
    public void The_package_readme_states_the_platforms_and_kernel_the_README_does()
    {
        string readme = Read("README.md");
        string package = Read("src", "PACKAGE.md");

        foreach (string fact in new[] { "Linux on x64 or arm64", "5.11 or later" })
        {
            Assert.Contains(fact, readme.Replace("**", "", StringComparison.Ordinal));
            Assert.Contains(fact, package);
        }
    }

    [Fact]
    public void The_epoll_figures_are_the_latest_run_s_everywhere_they_are_stated()
    {
        // HTTP/1.1 scenarios: epoll's median req/s over io_uring's and over Sockets', each rounded as the text rounds.
        using JsonDocument latest = JsonDocument.Parse(Read("bench", "results", "latest.json"));
        string[] scenarios = ["plaintext", "plaintext-pipelined", "json"];
        double[] toIoUring = [.. scenarios.Select(s => Median(latest, s, "zokio-epoll") / Median(latest, s, "zokio"))];
        double[] toSockets = [.. scenarios.Select(s => Median(latest, s, "zokio-epoll") / Median(latest, s, "sockets"))];
        string expectedIoUring = $"{Format(toIoUring.Min())}-{Format(toIoUring.Max())}x of io_uring";
        string expectedSockets = $"{Format(toSockets.Min())}-{Format(toSockets.Max())}x Kestrel's Sockets transport";

        foreach ((string name, string text) in new[]
        {
            ("README.md", Read("README.md")),
            ("src/PACKAGE.md", Read("src", "PACKAGE.md")),
            ("deploy/kubernetes/deployment.yaml", Read("deploy", "kubernetes", "deployment.yaml")),
        })
        {
            string flattened = Whitespace().Replace(text.Replace("# ", " ", StringComparison.Ordinal), " ");
            Assert.True(flattened.Contains(expectedIoUring, StringComparison.Ordinal), $"{name} does not say \"{expectedIoUring}\" (bench/results/latest.json)");
            Assert.True(flattened.Contains(expectedSockets, StringComparison.Ordinal), $"{name} does not say \"{expectedSockets}\" (bench/results/latest.json)");
            // No other figure for epoll against io_uring survives in the same file.
            Assert.All(EpollFigure().Matches(flattened), m => Assert.Equal(expectedIoUring, m.Value));
        }
    }

    private static double Median(JsonDocument latest, string scenario, string server)
    {
        double[] rates = [.. latest.RootElement.GetProperty("runs").EnumerateArray()
            .Where(r => r.GetProperty("ok").GetBoolean() && r.GetProperty("scenario").GetString() == scenario && r.GetProperty("server").GetString() == server)
            .Select(r => r.GetProperty("requests_per_sec").GetDouble())
            .Order()];
        Assert.NotEmpty(rates);
        return rates.Length % 2 == 1 ? rates[rates.Length / 2] : (rates[rates.Length / 2 - 1] + rates[rates.Length / 2]) / 2;
    }

    private static string Format(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\d\.\d\d-\d\.\d\dx of io_uring")]
    private static partial Regex EpollFigure();
}
