namespace Zokio.Http.Server.Http1;

/// <summary>
/// Why a request is refused. Each reason has one status code (<see cref="RequestRejection.StatusCode"/>), the one
/// Kestrel answers with; a rejected request always ends the connection after the response.
/// </summary>
internal enum RequestRejectionReason : byte
{
    None,

    // Request line.
    InvalidRequestLine,
    InvalidRequestTarget,
    RequestLineTooLong,
    UnrecognizedHttpVersion,
    TlsOverHttp,
    OptionsMethodRequired,
    ConnectMethodRequired,

    // Header fields (and trailer fields, which follow the same rules and share the same limits).
    InvalidRequestHeader,
    InvalidRequestHeadersNoCrlf,
    InvalidCharactersInHeaderName,
    MalformedRequestInvalidHeaders,
    HeadersExceedMaxTotalSize,
    TooManyHeaders,
    MissingHostHeader,
    MultipleHostHeaders,
    InvalidHostHeader,

    // Framing.
    InvalidContentLength,
    MultipleContentLengths,
    FinalTransferCodingNotChunked,
    LengthRequiredHttp10,

    // Body.
    MalformedTrailerValue,
    BadChunkSizeData,
    ChunkSizeOverflow,
    BadChunkSuffix,
    BadChunkExtension,
    UnexpectedEndOfRequestContent,
    RequestBodyTooLarge,

    // Timeouts (decided by the connection, listed here so every rejection has one status table).
    RequestHeadersTimeout,
    RequestBodyTimeout,
}
