namespace Zokio.Http.Server.Http1;

/// <summary>The framing decision for one request: where its body ends and whether the connection outlives it.</summary>
internal readonly record struct Http1Framing(Http1BodyKind Body, long ContentLength, bool KeepAlive, bool ExpectContinue)
{
    public bool IsUpgrade => Body == Http1BodyKind.Upgrade;

    /// <summary>
    /// True when Content-Length came with Transfer-Encoding: the body is chunked, and (as in Kestrel) the app sees the
    /// value as X-Content-Length, not as Content-Length.
    /// </summary>
    public bool IgnoredContentLength { get; init; }

    /// <summary>
    /// Checks a declared length against <paramref name="maxRequestBodySize"/> (null: no limit). Kestrel does this when
    /// the body is first read, so a request whose application never reads the body is not refused for its size.
    /// </summary>
    public RequestRejectionReason CheckBodySize(long? maxRequestBodySize) =>
        Body == Http1BodyKind.ContentLength && ContentLength > maxRequestBodySize
            ? RequestRejectionReason.RequestBodyTooLarge
            : RequestRejectionReason.None;
}
