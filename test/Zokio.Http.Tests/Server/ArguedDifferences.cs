using System.Text.RegularExpressions;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Where the parser deliberately answers differently from Kestrel, each with its reason (the README's notes list the
/// same). A difference is excused only if the input has the shape described and the parser gave the answer named.
/// </summary>
internal static partial class ArguedDifferences
{
    /// <summary>
    /// RFC 9112 section 3 separates target and version by SP. When a request line has no SP after the target,
    /// Kestrel's parser takes the byte after the target's first byte as the separator: "GET /1HTTP/1.1" is served as
    /// "GET /" (and "GET /HTTP/1.1" gets 505 for version "TTP/1.1"). Zokio's parser answers 400, as for any other
    /// malformed request line, rather than serve a target the client did not send.
    /// </summary>
    public const string MissingSpaceBeforeVersion = "request line without SP before the version";

    /// <summary>The argued difference that explains the parser's <paramref name="outcome"/>, or null.</summary>
    public static string? Explain(Http1Outcome outcome) =>
        outcome.RejectedRequestLine is { } line && RequestLineWithoutVersionSeparator().IsMatch(line)
            ? MissingSpaceBeforeVersion
            : null;

    // A token, one SP, then a target that runs to the line end with no further SP (CRs included: Kestrel's skip
    // takes any byte, "GET /\rHTTP/1.1" is served as "GET /").
    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+ [^ ]+$")]
    private static partial Regex RequestLineWithoutVersionSeparator();
}
