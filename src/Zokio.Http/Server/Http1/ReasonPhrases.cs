using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Status lines ("HTTP/1.1 200 OK\r\n") encoded once for every status code with a standard reason phrase, so writing
/// one is a copy. HTTP/1 responses always say HTTP/1.1, also to HTTP/1.0 requests (RFC 9110 section 6.2), as Kestrel.
/// </summary>
internal static class ReasonPhrases
{
    private const int MinStatus = 100;
    private const int MaxStatus = 599;
    private static readonly byte[]?[] StatusLines = CreateStatusLines();

    /// <summary>The encoded status line of <paramref name="statusCode"/> with its standard phrase.</summary>
    public static ReadOnlySpan<byte> StatusLine(int statusCode)
    {
        if ((uint)(statusCode - MinStatus) <= MaxStatus - MinStatus && StatusLines[statusCode - MinStatus] is { } line)
        {
            return line;
        }

        // Unknown codes carry no phrase (the reason-phrase may be empty, RFC 9112 section 4).
        return Encoding.ASCII.GetBytes(Format(statusCode, string.Empty));
    }

    /// <summary>A status line with an application-chosen phrase (IHttpResponseFeature.ReasonPhrase).</summary>
    public static byte[] StatusLine(int statusCode, string reasonPhrase) => Encoding.ASCII.GetBytes(Format(statusCode, reasonPhrase));

    private static string Format(int statusCode, string phrase) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"HTTP/1.1 {statusCode:D3} {phrase}\r\n");

    private static byte[]?[] CreateStatusLines()
    {
        var lines = new byte[]?[MaxStatus - MinStatus + 1];
        for (int status = MinStatus; status <= MaxStatus; status++)
        {
            string phrase = ReasonPhrasesOf(status);
            if (phrase.Length > 0)
            {
                lines[status - MinStatus] = Encoding.ASCII.GetBytes(Format(status, phrase));
            }
        }

        return lines;
    }

    private static string ReasonPhrasesOf(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
