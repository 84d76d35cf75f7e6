using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Zokio.Http.Dashboard;

/// <summary>
/// The dashboard's one HTML page (embedded, with its style and script inline: no CDN, nothing fetched but the page's
/// own JSON and event stream) and a Content-Security-Policy that allows exactly that page's inline style and script.
/// The samples to draw first are written into the page (an attribute the script reads at load), so it shows figures
/// before its event stream connects, and a browser that never runs the stream (a headless screenshot) shows them too.
/// </summary>
internal static class DashboardPage
{
    private const string ResourceName = "Zokio.Http.Dashboard.dashboard.html";

    // Where the samples go: the value of an attribute of the page's body.
    private const string SamplesMarker = "@SAMPLES@";

    private static readonly Lazy<(byte[] Before, byte[] After, string Policy)> s_page = new(Load);

    /// <summary>The Content-Security-Policy header for the page.</summary>
    public static string ContentSecurityPolicy => s_page.Value.Policy;

    /// <summary>The page, UTF-8, carrying <paramref name="samplesJson"/> (a JSON array of snapshots) for its script to draw at load.</summary>
    public static byte[] Render(string samplesJson)
    {
        (byte[] before, byte[] after, _) = s_page.Value;
        byte[] samples = Encoding.UTF8.GetBytes(WebUtility.HtmlEncode(samplesJson));
        return [.. before, .. samples, .. after];
    }

    private static (byte[] Before, byte[] After, string Policy) Load()
    {
        using Stream stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The dashboard page resource {ResourceName} is missing from {typeof(DashboardPage).Assembly.FullName}.");
        using StreamReader reader = new(stream, Encoding.UTF8);
        string html = reader.ReadToEnd();

        // Hashes rather than 'unsafe-inline': the browser runs this page's script and nothing injected into it.
        string policy = $"default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src '{Hash(html, "style")}'; " +
            $"script-src '{Hash(html, "script")}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        int marker = html.IndexOf(SamplesMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            throw new InvalidOperationException($"The dashboard page must hold the marker {SamplesMarker}.");
        }

        return (Encoding.UTF8.GetBytes(html[..marker]), Encoding.UTF8.GetBytes(html[(marker + SamplesMarker.Length)..]), policy);
    }

    /// <summary>The CSP source for the content of the page's only <c>&lt;tag&gt;</c> element.</summary>
    private static string Hash(string html, string tag)
    {
        string open = $"<{tag}>";
        int start = html.IndexOf(open, StringComparison.Ordinal);
        int end = html.IndexOf($"</{tag}>", StringComparison.Ordinal);
        if (start < 0 || end < start || html.IndexOf(open, start + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"The dashboard page must hold exactly one <{tag}> element.");
        }

        string content = html[(start + open.Length)..end];
        return "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }
}
