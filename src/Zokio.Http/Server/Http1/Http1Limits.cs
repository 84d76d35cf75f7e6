namespace Zokio.Http.Server.Http1;

/// <summary>
/// The limits the parser enforces, with Kestrel's defaults (<c>KestrelServerLimits</c>); the server fills them from
/// <c>KestrelServerOptions.Limits</c>.
/// </summary>
/// <param name="MaxRequestLineSize">The longest request line, in bytes.</param>
/// <param name="MaxRequestHeadersTotalSize">The most bytes of header fields in one head.</param>
/// <param name="MaxRequestHeaderCount">The most header fields in one head.</param>
/// <param name="MaxRequestBodySize">The largest request body, in bytes (null: unlimited).</param>
/// <param name="ValuesInUtf8Only">
/// Non-ASCII field values must be valid UTF-8 (Kestrel's default decoding). False when the app's
/// <c>RequestHeaderEncodingSelector</c> may pick another encoding: the connection then judges each value by its own.
/// </param>
internal readonly record struct Http1Limits(
    int MaxRequestLineSize = Http1Limits.DefaultMaxRequestLineSize,
    int MaxRequestHeadersTotalSize = Http1Limits.DefaultMaxRequestHeadersTotalSize,
    int MaxRequestHeaderCount = Http1Limits.DefaultMaxRequestHeaderCount,
    long? MaxRequestBodySize = Http1Limits.DefaultMaxRequestBodySize,
    bool ValuesInUtf8Only = true)
{
    public const int DefaultMaxRequestLineSize = 8 * 1024;
    public const int DefaultMaxRequestHeadersTotalSize = 32 * 1024;
    public const int DefaultMaxRequestHeaderCount = 100;
    public const long DefaultMaxRequestBodySize = 30_000_000;

    public Http1Limits()
        : this(DefaultMaxRequestLineSize)
    {
    }

    public static Http1Limits Default => new();
}
