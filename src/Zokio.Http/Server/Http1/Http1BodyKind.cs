namespace Zokio.Http.Server.Http1;

/// <summary>How the end of a request body is found (RFC 9112 section 6.3).</summary>
internal enum Http1BodyKind : byte
{
    /// <summary>No body: no Content-Length and no Transfer-Encoding, or Content-Length 0.</summary>
    None,

    /// <summary>Exactly <see cref="Http1Framing.ContentLength"/> bytes follow the head.</summary>
    ContentLength,

    /// <summary>Chunked transfer coding; the chunked decoder finds the end, trailers included.</summary>
    Chunked,

    /// <summary>
    /// An upgradable request (Connection: upgrade, no body): if the app upgrades, after the 101 the connection carries
    /// the new protocol until it closes; if not, the request had no body and the connection goes on as HTTP/1.1.
    /// </summary>
    Upgrade,
}
