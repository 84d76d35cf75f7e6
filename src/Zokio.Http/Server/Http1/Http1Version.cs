namespace Zokio.Http.Server.Http1;

/// <summary>The two versions an HTTP/1 request line may carry; any other well-formed version is answered 505, as Kestrel does.</summary>
internal enum Http1Version : byte
{
    Http10,
    Http11,
}
