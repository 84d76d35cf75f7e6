namespace Zokio.Http.Server.Http1;

/// <summary>
/// A parsed request line. The spans point into the receive buffer (or into a scratch copy when the line straddled
/// two buffers) and are valid only during the <see cref="IHttp1RequestHandler.OnRequestLine"/> call.
/// </summary>
internal readonly ref struct Http1RequestLine
{
    public Http1RequestLine(RequestMethod method, ReadOnlySpan<byte> methodText, ReadOnlySpan<byte> target, int pathLength, bool pathEncoded, RequestTargetForm form, Http1Version version)
    {
        Method = method;
        MethodText = methodText;
        Target = target;
        PathLength = pathLength;
        PathEncoded = pathEncoded;
        Form = form;
        Version = version;
    }

    public RequestMethod Method { get; }

    /// <summary>The method as sent (needed for <see cref="RequestMethod.Custom"/>).</summary>
    public ReadOnlySpan<byte> MethodText { get; }

    /// <summary>The raw request-target: path and query as sent, percent-encoding and all.</summary>
    public ReadOnlySpan<byte> Target { get; }

    /// <summary>Bytes of <see cref="Target"/> before the <c>?</c> (all of it when there is no query).</summary>
    public int PathLength { get; }

    /// <summary>True when the path holds a <c>%</c>, so it needs decoding.</summary>
    public bool PathEncoded { get; }

    public RequestTargetForm Form { get; }

    public Http1Version Version { get; }

    public ReadOnlySpan<byte> Path => Target[..PathLength];

    /// <summary>The query including its leading <c>?</c>, or empty.</summary>
    public ReadOnlySpan<byte> Query => Target[PathLength..];
}
