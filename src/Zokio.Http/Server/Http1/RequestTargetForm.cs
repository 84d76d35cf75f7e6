namespace Zokio.Http.Server.Http1;

/// <summary>The four forms of request-target (RFC 9112 section 3.2).</summary>
internal enum RequestTargetForm : byte
{
    /// <summary><c>/path?query</c>, the common one.</summary>
    Origin,

    /// <summary><c>http://host/path</c>, sent to proxies; servers must accept it.</summary>
    Absolute,

    /// <summary><c>host:port</c>, only with CONNECT.</summary>
    Authority,

    /// <summary><c>*</c>, only with OPTIONS.</summary>
    Asterisk,
}
