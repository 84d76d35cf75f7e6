using System.Text;

namespace Zokio.Http.Tests.Server;

/// <summary>One final response of a differential case: its status, and for the echo app's 200s what the app saw.</summary>
internal sealed record Http1Response(int Status, string? Echo)
{
    public override string ToString() => Echo is null ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Status}\n{Echo}";
}

/// <summary>
/// What a server did with one case's bytes: the final responses in order. Every case is followed by a probe request
/// and the end of the stream, so whether the connection stayed usable shows as whether the probe was answered.
/// </summary>
internal sealed record Http1Outcome(IReadOnlyList<Http1Response> Responses)
{
    /// <summary>How the oracle's exchange went (bytes, who ended the stream), for diagnosing a mismatch; not compared.</summary>
    public string Trace { get; init; } = "";

    /// <summary>The request line the parser refused as invalid, if it did (for <see cref="ArguedDifferences"/>).</summary>
    public string? RejectedRequestLine { get; init; }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Responses.Count).Append(" response(s)");
        foreach (Http1Response response in Responses)
        {
            text.Append("\n--- ").Append(response);
        }

        return text.ToString();
    }
}

/// <summary>What the echo app reports of a request, built the same way from Kestrel's view and from the parser's.</summary>
internal static class EchoFormat
{
    /// <summary>Sent after every case: answered only if the connection was still usable.</summary>
    public static readonly byte[] Probe = "GET /__probe HTTP/1.1\r\nHost: probe\r\n\r\n"u8.ToArray();

    public static string Build(string method, string target, string protocol, IEnumerable<(string Name, string Value)> headers, ReadOnlySpan<byte> body, IEnumerable<(string Name, string Value)> trailers)
    {
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(target).Append(' ').Append(protocol).Append('\n');
        // Kestrel keeps known headers in its own order: compare by name (stable, so a name's values keep their order).
        foreach ((string name, string value) in headers.OrderBy(h => h.Name.ToLowerInvariant(), StringComparer.Ordinal))
        {
            text.Append("h ").Append(name.ToLowerInvariant()).Append(": ").Append(value).Append('\n');
        }

        text.Append("b ").Append(Convert.ToHexString(body)).Append('\n');
        foreach ((string name, string value) in trailers.OrderBy(h => h.Name.ToLowerInvariant(), StringComparer.Ordinal))
        {
            text.Append("t ").Append(name.ToLowerInvariant()).Append(": ").Append(value).Append('\n');
        }

        return text.ToString();
    }
}
