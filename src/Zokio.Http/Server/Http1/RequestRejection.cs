namespace Zokio.Http.Server.Http1;

/// <summary>The status code that answers each <see cref="RequestRejectionReason"/>, as Kestrel maps them.</summary>
internal static class RequestRejection
{
    public const int BadRequest = 400;
    public const int MethodNotAllowed = 405;
    public const int RequestTimeout = 408;
    public const int PayloadTooLarge = 413;
    public const int UriTooLong = 414;
    public const int RequestHeaderFieldsTooLarge = 431;
    public const int InternalServerError = 500;
    public const int HttpVersionNotSupported = 505;

    public static int StatusCode(this RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.None => throw new ArgumentOutOfRangeException(nameof(reason), "None is not a rejection."),
        RequestRejectionReason.RequestLineTooLong => UriTooLong,
        RequestRejectionReason.UnrecognizedHttpVersion => HttpVersionNotSupported,
        RequestRejectionReason.OptionsMethodRequired or RequestRejectionReason.ConnectMethodRequired => MethodNotAllowed,
        RequestRejectionReason.HeadersExceedMaxTotalSize or RequestRejectionReason.TooManyHeaders => RequestHeaderFieldsTooLarge,
        RequestRejectionReason.RequestBodyTooLarge => PayloadTooLarge,
        RequestRejectionReason.RequestHeadersTimeout or RequestRejectionReason.RequestBodyTimeout => RequestTimeout,
        // Kestrel reads a chunk size into an int with checked arithmetic: the overflow reaches the app as an
        // IOException, not a bad request, and an app that lets it through gets the 500 of any unhandled exception.
        RequestRejectionReason.ChunkSizeOverflow => InternalServerError,
        // Likewise a trailer value that is not text (NUL, invalid UTF-8): in a header it is a 400, but decoding a
        // trailer happens under the app's body read, where Kestrel lets the InvalidOperationException through.
        RequestRejectionReason.MalformedTrailerValue => InternalServerError,
        _ => BadRequest,
    };

    /// <summary>
    /// The method a 405 answer names in its <c>Allow</c> header (Kestrel sends <c>Allow: OPTIONS</c> or
    /// <c>Allow: CONNECT</c>), or null.
    /// </summary>
    public static string? AllowedMethod(this RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.OptionsMethodRequired => "OPTIONS",
        RequestRejectionReason.ConnectMethodRequired => "CONNECT",
        _ => null,
    };

    /// <summary>
    /// True when Kestrel closes the connection without writing a response: the client ended the stream in the middle
    /// of a body, so there is nobody left to read one.
    /// </summary>
    public static bool ClosesWithoutResponse(this RequestRejectionReason reason) =>
        reason == RequestRejectionReason.UnexpectedEndOfRequestContent;
}
