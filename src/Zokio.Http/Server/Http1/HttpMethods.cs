namespace Zokio.Http.Server.Http1;

/// <summary>Classifies a method token (case-sensitive, RFC 9110 section 9.1) and names the known ones.</summary>
internal static class HttpMethods
{
    public static HttpMethod Classify(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 => method.SequenceEqual("GET"u8) ? HttpMethod.Get : method.SequenceEqual("PUT"u8) ? HttpMethod.Put : HttpMethod.Custom,
        4 => method.SequenceEqual("POST"u8) ? HttpMethod.Post : method.SequenceEqual("HEAD"u8) ? HttpMethod.Head : HttpMethod.Custom,
        5 => method.SequenceEqual("PATCH"u8) ? HttpMethod.Patch : method.SequenceEqual("TRACE"u8) ? HttpMethod.Trace : HttpMethod.Custom,
        6 => method.SequenceEqual("DELETE"u8) ? HttpMethod.Delete : HttpMethod.Custom,
        7 => method.SequenceEqual("OPTIONS"u8) ? HttpMethod.Options : method.SequenceEqual("CONNECT"u8) ? HttpMethod.Connect : HttpMethod.Custom,
        _ => HttpMethod.Custom,
    };

    /// <summary>The method's name as ASP.NET Core spells it (interned constants), or null for <see cref="HttpMethod.Custom"/>.</summary>
    public static string? ToName(HttpMethod method) => method switch
    {
        HttpMethod.Get => "GET",
        HttpMethod.Head => "HEAD",
        HttpMethod.Post => "POST",
        HttpMethod.Put => "PUT",
        HttpMethod.Delete => "DELETE",
        HttpMethod.Patch => "PATCH",
        HttpMethod.Options => "OPTIONS",
        HttpMethod.Trace => "TRACE",
        HttpMethod.Connect => "CONNECT",
        _ => null,
    };
}
