namespace Zokio.Http.Server.Http1;

/// <summary>What one step of <see cref="Http1ChunkedDecoder"/> produced.</summary>
internal enum ChunkedReadStatus : byte
{
    /// <summary>Framing bytes only, or nothing: read more input and call again.</summary>
    NeedMoreData,

    /// <summary>Body bytes: hand them to the application, then call again with the input after them.</summary>
    Data,

    /// <summary>The last chunk and the trailer section are in: the body is complete.</summary>
    Complete,

    /// <summary>Malformed chunked framing or over a limit; the rejection reason says which.</summary>
    Rejected,
}
