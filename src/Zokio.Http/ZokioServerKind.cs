namespace Zokio.Http;

/// <summary>Which server answers HTTP when Zokio is on (<c>Zokio:Server</c>).</summary>
public enum ZokioServerKind
{
    /// <summary>Kestrel, on Zokio's transport: every protocol and feature Kestrel has.</summary>
    Kestrel,

    /// <summary>
    /// Zokio's own HTTP/1.1 server, on the loop that received the bytes; what it does not serve itself (HTTP/2, TLS
    /// endpoints from configuration, HTTP/3) is served by Kestrel on Zokio's transport in the same process.
    /// </summary>
    Zokio,
}
