namespace Zokio.Http.Server.Http1;

/// <summary>
/// Receives header fields (and trailer fields of a chunked body, which follow the same rules) from the parser.
/// Implemented by the connection, ideally as a struct wrapper or a sealed class so the generic parse methods are
/// specialised and the calls are direct.
/// </summary>
internal interface IHttp1HeaderHandler
{
    /// <summary>
    /// One field line. <paramref name="name"/> is a valid field name as sent (not case-folded); <paramref name="value"/>
    /// has its surrounding whitespace removed and holds no CR, LF or NUL and only valid UTF-8. The spans are valid only
    /// during the call. Return <see cref="RequestRejectionReason.None"/>, or a reason to reject the request there.
    /// </summary>
    RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}

/// <summary>Receives a request head: the request line, then its header fields.</summary>
internal interface IHttp1RequestHandler : IHttp1HeaderHandler
{
    /// <summary>
    /// The request line, already checked (method token, target form and characters, version). The spans are valid only
    /// during the call. Return <see cref="RequestRejectionReason.None"/>, or a reason to reject the request there.
    /// </summary>
    RequestRejectionReason OnRequestLine(in Http1RequestLine requestLine);
}
