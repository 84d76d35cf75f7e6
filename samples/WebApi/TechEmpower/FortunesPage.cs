using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>TechEmpower's fortunes page: a table of the sorted fortunes, every message HTML-escaped.</summary>
public static class FortunesPage
{
    /// <summary>The message TechEmpower's rules add to the stored rows at request time.</summary>
    public const string AddedMessage = "Additional fortune added at request time.";

    // All of Unicode allowed through, so the Japanese fortune stays readable text; markup characters are still escaped.
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>Adds the request-time fortune to <paramref name="fortunes"/>, sorts by message and renders the page as UTF-8.</summary>
    public static byte[] Render(List<Fortune> fortunes)
    {
        fortunes.Add(new Fortune(0, AddedMessage));
        fortunes.Sort(static (a, b) => string.CompareOrdinal(a.Message, b.Message));

        StringBuilder html = new(2048);
        html.Append("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>");
        foreach (Fortune fortune in fortunes)
        {
            html.Append("<tr><td>").Append(fortune.Id).Append("</td><td>").Append(s_encoder.Encode(fortune.Message)).Append("</td></tr>");
        }

        html.Append("</table></body></html>");
        return Encoding.UTF8.GetBytes(html.ToString());
    }
}
