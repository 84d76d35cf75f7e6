using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Zokio.EndToEnd.Tests;

/// <summary>The sample's live dashboard in a real browser, as a newcomer opens it after the README's first command.</summary>
public partial class DashboardBrowserTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [ChromiumFact]
    public async Task Sample_dashboard_shows_requests_latency_and_per_loop_figures_in_Chromium_under_load()
    {
        (AppProcess sample, Uri http1) = await StartSampleAsync();
        await using AppProcess _ = sample;

        using ChromeDriver browser = StartChromium();
        browser.Navigate().GoToUrl(new Uri(http1, "/zokio"));
        WebDriverWait wait = new(browser, s_timeout);

        // The page's script ran (under its Content-Security-Policy) and the stream delivered a sample: two loop rows with numbers.
        long acceptedBefore = (long)wait.Until<object?>(_ => ReadAccepted(browser, loops: 2))!;
        Assert.Equal("serving", browser.FindElement(By.Id("state")).Text);
        wait.Until(_ => browser.FindElement(By.Id("stream")).Text == "live");

        // Load on two routes from a few concurrent clients, new connections among them, until the page shows it all.
        using CancellationTokenSource stopLoad = new(s_timeout);
        Task[] load = [.. Enumerable.Range(0, 4).Select(client => Task.Run(() => LoadAsync(http1, client % 2 == 0 ? "/plaintext" : "/json", newConnections: client == 0, stopLoad.Token)))];
        try
        {
            wait.Until(_ => ReadAccepted(browser, loops: 2) >= acceptedBefore + 20);
            wait.Until(_ => Cells(browser, "bytesReceivedPerSecond").Any(text => text != "–"));
            wait.Until(_ => Number(Total(browser, "perSecond")) > 0 && Duration(Total(browser, "p50Milliseconds")) > 0 && Duration(Total(browser, "p99Milliseconds")) > 0);
            wait.Until(_ => RouteRows(browser).Contains("GET /plaintext") && RouteRows(browser).Contains("GET /json"));
            // The charts span five samples or more of it, for the picture.
            wait.Until(_ => ChartSeconds(browser) >= 5);
            Assert.Matches(@"^\d+(\.\d)? (KiB|MiB|GiB)/s max$", ChartMax(browser, "chart-bytes"));

            string screenshot = Path.Combine(Repository.ResultsDirectory("screenshots"), "zokio-dashboard.png");
            browser.GetScreenshot().SaveAsFile(screenshot);
            Assert.True(new FileInfo(screenshot).Length > 0);
        }
        finally
        {
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.Equal("0", Total(browser, "errorsPerSecond"));
    }

    [ChromiumFact]
    public async Task Sample_dashboard_draws_the_snapshot_it_carries_when_the_event_stream_never_connects()
    {
        (AppProcess sample, Uri http1) = await StartSampleAsync();
        await using AppProcess _ = sample;

        // Idle connections, so the loops' counts are large enough that a label scaled by a tenth would read differently.
        const int idle = 12;
        List<TcpClient> connections = [];
        try
        {
            for (int i = 0; i < idle; i++)
            {
                TcpClient connection = new();
                connections.Add(connection);
                await connection.ConnectAsync(http1.Host, http1.Port);
            }

            await WaitForConnectionsAsync(http1, idle);
            AssertDrawnWithoutStream(http1);
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }

    private static void AssertDrawnWithoutStream(Uri http1)
    {
        using ChromeDriver browser = StartChromium();
        // As a plain `chromium --headless --screenshot` sees it, or a browser behind a proxy that drops event streams.
        browser.ExecuteCdpCommand("Network.enable", []);
        browser.ExecuteCdpCommand("Network.setBlockedURLs", new Dictionary<string, object?> { ["urls"] = new[] { "*/zokio/events" } });
        browser.Navigate().GoToUrl(new Uri(http1, "/zokio"));

        // Read at once, with no waiting: the figures are there when the page has loaded.
        Assert.NotNull(ReadAccepted(browser, loops: 2));
        Assert.Equal("serving", browser.FindElement(By.Id("state")).Text);
        Assert.Equal(["0", "1"], Cells(browser, "index"));
        // One sample drawn: the connections chart's label is that sample's largest loop count, not a scaled one; the
        // bytes chart labels bytes (no rate yet in a first sample: 0).
        long connections = Cells(browser, "connections").Max(text => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.True(connections >= 5, $"{connections} connection(s) on the busiest loop");
        Assert.Equal($"{connections:N0} max", ChartMax(browser, "chart-connections"));
        Assert.Equal("0 B/s max", ChartMax(browser, "chart-bytes"));

        // And the stream was indeed blocked: the page reports it down, the figures it drew stay.
        new WebDriverWait(browser, s_timeout).Until(_ => browser.FindElement(By.Id("stream")).Text.StartsWith("disconnected", StringComparison.Ordinal));
        Assert.NotNull(ReadAccepted(browser, loops: 2));
        Assert.Equal("serving", browser.FindElement(By.Id("state")).Text);
    }

    /// <summary>Waits until the sample's loops hold at least <paramref name="count"/> open connections.</summary>
    private static async Task WaitForConnectionsAsync(Uri http1, int count)
    {
        using HttpClient client = new() { BaseAddress = http1, Timeout = s_timeout };
        using CancellationTokenSource timeout = new(s_timeout);
        while (true)
        {
            using JsonDocument snapshot = JsonDocument.Parse(await client.GetStringAsync("/zokio/snapshot", timeout.Token));
            if (snapshot.RootElement.GetProperty("loops").EnumerateArray().Sum(loop => loop.GetProperty("connections").GetInt64()) >= count)
            {
                return;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task<(AppProcess Sample, Uri Http1)> StartSampleAsync()
    {
        (AppProcess sample, Match ready) = await AppProcess.StartAsync(
            Path.Combine(Repository.SampleDirectory, "WebApi.dll"),
            ["--Kestrel:Endpoints:h1:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:h2c:Url=http://127.0.0.1:0", "--Zokio:LoopCount=2"],
            ListeningLine(),
            s_timeout);
        return (sample, new Uri(ready.Groups["h1"].Value));
    }

    /// <summary>Requests <paramref name="path"/> until stopped; each on a new connection when asked.</summary>
    private static async Task LoadAsync(Uri server, string path, bool newConnections, CancellationToken stop)
    {
        using HttpClient client = new() { BaseAddress = server, Timeout = s_timeout };
        while (!stop.IsCancellationRequested)
        {
            using HttpRequestMessage request = new(HttpMethod.Get, path);
            request.Headers.ConnectionClose = newConnections;
            try
            {
                using HttpResponseMessage response = await client.SendAsync(request, stop);
                response.EnsureSuccessStatusCode();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static string Total(ChromeDriver browser, string field) =>
        (string)browser.ExecuteScript($"return document.querySelector(\"#requests-total [data-field='{field}']\").textContent;")!;

    /// <summary>The label of a chart's largest value ("1.2 MiB/s max").</summary>
    private static string ChartMax(ChromeDriver browser, string chart) =>
        (string)browser.ExecuteScript($"return document.getElementById('{chart}').previousElementSibling.querySelector('.max').textContent;")!;

    /// <summary>How long the charts' x-axis spans ("last 12 s", "last 2.5 min"), in seconds.</summary>
    private static double ChartSeconds(ChromeDriver browser)
    {
        string[] parts = ((string)browser.ExecuteScript("return document.querySelector('#chart-requests + .legend .span').textContent;")!).Split(' ');
        return parts.Length != 3 ? double.NaN : Number(parts[1]) * (parts[2] == "min" ? 60 : 1);
    }

    private static string[] RouteRows(ChromeDriver browser) =>
        [.. ((IReadOnlyCollection<object>)browser.ExecuteScript("return Array.from(document.querySelectorAll('#routes tbody tr')).map(row => row.dataset.route);")!).Cast<string>()];

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;

    /// <summary>A duration as the page shows it ("812 µs", "1.25 ms", "1.20 s"), in milliseconds; NaN for "–".</summary>
    private static double Duration(string text)
    {
        string[] parts = text.Split(' ');
        return parts.Length != 2 ? double.NaN : parts[1] switch
        {
            "µs" => Number(parts[0]) / 1000,
            "ms" => Number(parts[0]),
            "s" => Number(parts[0]) * 1000,
            _ => double.NaN,
        };
    }

    private static ChromeDriver StartChromium()
    {
        // Debian's chromium and chromedriver, named explicitly so Selenium never tries to download a browser or driver.
        ChromeOptions options = new() { BinaryLocation = DebianPackages.Find("chromium")! };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,860");
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DebianPackages.Find("chromedriver"))!, "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, s_timeout);
    }

    /// <summary>The sum of the loop rows' "Accepted" cells once <paramref name="loops"/> rows show numbers, else null.</summary>
    private static long? ReadAccepted(ChromeDriver browser, int loops)
    {
        string[] cells = Cells(browser, "accepted");
        long total = 0;
        foreach (string text in cells)
        {
            if (!long.TryParse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long value))
            {
                return null;
            }

            total += value;
        }

        return cells.Length == loops ? total : null;
    }

    // Read in one script run: the page rebuilds the table every second, so element references taken one call earlier
    // can already be gone (stale) by the next.
    private static string[] Cells(ChromeDriver browser, string field) =>
        [.. ((IReadOnlyCollection<object>)browser.ExecuteScript(
            $"return Array.from(document.querySelectorAll(\"#loops tbody tr[data-loop] td[data-field='{field}']\")).map(cell => cell.textContent);")!)
            .Cast<string>()];

    [GeneratedRegex(@"WebApi listening on (?<h1>http://127\.0\.0\.1:\d+), (?<h2c>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
