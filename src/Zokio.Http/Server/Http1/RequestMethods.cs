namespace Zokio.Http.Server.Http1;

/// <summary>Classifies a method token (case-sensitive, RFC 9110 section 9.1) and names the known ones.</summary>
internal static class RequestMethods
{
    public static RequestMethod Classify(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 => method.SequenceEqual("GET"u8) ? RequestMethod.Get : method.SequenceEqual("PUT"u8) ? RequestMethod.Put : RequestMethod.Custom,
        4 => method.SequenceEqual("POST"u8) ? RequestMethod.Post : method.SequenceEqual("HEAD"u8) ? RequestMethod.Head : RequestMethod.Custom,
        5 => method.SequenceEqual("PATCH"u8) ? RequestMethod.Patch : method.SequenceEqual("TRACE"u8) ? RequestMethod.Trace : RequestMethod.Custom,
        6 => method.SequenceEqual("DELETE"u8) ? RequestMethod.Delete : RequestMethod.Custom,
        7 => method.SequenceEqual("OPTIONS"u8) ? RequestMethod.Options : method.SequenceEqual("CONNECT"u8) ? RequestMethod.Connect : RequestMethod.Custom,
        _ => RequestMethod.Custom,
    };

    /// <summary>The method's name as ASP.NET Core spells it (interned constants), or null for <see cref="RequestMethod.Custom"/>.</summary>
    public static string? ToName(RequestMethod method) => method switch
    {
        RequestMethod.Get => "GET",
        RequestMethod.Head => "HEAD",
        RequestMethod.Post => "POST",
        RequestMethod.Put => "PUT",
        RequestMethod.Delete => "DELETE",
        RequestMethod.Patch => "PATCH",
        RequestMethod.Options => "OPTIONS",
        RequestMethod.Trace => "TRACE",
        RequestMethod.Connect => "CONNECT",
        _ => null,
    };
}
