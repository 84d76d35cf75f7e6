using System.Globalization;
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
    public async Task Sample_dashboard_shows_per_loop_figures_in_Chromium_and_they_follow_the_load()
    {
        (AppProcess sample, Match ready) = await AppProcess.StartAsync(
            Path.Combine(Repository.SampleDirectory, "WebApi.dll"),
            ["--Kestrel:Endpoints:h1:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:h2c:Url=http://127.0.0.1:0", "--Zokio:LoopCount=2"],
            ListeningLine(),
            s_timeout);
        await using AppProcess _ = sample;
        Uri http1 = new(ready.Groups["h1"].Value);

        using ChromeDriver browser = StartChromium();
        browser.Navigate().GoToUrl(new Uri(http1, "/zokio"));
        WebDriverWait wait = new(browser, s_timeout);

        // The page's script ran (under its Content-Security-Policy) and the stream delivered a sample: two loop rows with numbers.
        long acceptedBefore = (long)wait.Until<object?>(_ => ReadAccepted(browser, loops: 2))!;
        Assert.Equal("serving", browser.FindElement(By.Id("state")).Text);
        Assert.Equal("live", browser.FindElement(By.Id("stream")).Text);

        const int connections = 40;
        for (int i = 0; i < connections; i++)
        {
            using HttpClient client = new() { BaseAddress = http1, Timeout = s_timeout };
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
        }

        // Waits until the page shows the new connections (it fails after the timeout if it never does).
        wait.Until(_ => ReadAccepted(browser, loops: 2) >= acceptedBefore + connections);
        // Rates appear from the second sample on; the load made at least one loop's accepted/s positive at some point.
        wait.Until(_ => Cells(browser, "bytesReceivedPerSecond").Any(text => text != "–"));

        string screenshot = Path.Combine(Repository.ResultsDirectory("screenshots"), "zokio-dashboard.png");
        browser.GetScreenshot().SaveAsFile(screenshot);
        Assert.True(new FileInfo(screenshot).Length > 0);
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
