namespace Zokio.Http.Server.Http1;

/// <summary>The request methods the parser recognises without allocating; anything else that is a token is <see cref="Custom"/>.</summary>
internal enum RequestMethod : byte
{
    Custom,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Trace,
    Connect,
}
