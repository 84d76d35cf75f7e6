namespace Zokio.Http.Server.Http1;

/// <summary>A timeout the server's heartbeat found passed on a connection.</summary>
internal enum ConnectionTimeout : byte
{
    None,

    /// <summary>KeepAliveTimeout (idle) or RequestHeadersTimeout (a head in progress).</summary>
    Deadline,

    /// <summary>The request body arrives below MinRequestBodyDataRate.</summary>
    RequestBodyTooSlow,

    /// <summary>The client takes the response below MinResponseDataRate.</summary>
    ResponseTooSlow,
}
