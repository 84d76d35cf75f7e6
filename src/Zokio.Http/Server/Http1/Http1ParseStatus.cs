namespace Zokio.Http.Server.Http1;

/// <summary>What a parse step reached.</summary>
internal enum Http1ParseStatus : byte
{
    /// <summary>More bytes are needed; the caller keeps what was not consumed and reads again.</summary>
    Incomplete,

    /// <summary>The element (request head, trailers, chunked body) is complete.</summary>
    Complete,

    /// <summary>The input is malformed or over a limit; the rejection reason says why and which status answers it.</summary>
    Rejected,
}
