namespace Zokio.Http.Server.Http1;

/// <summary>
/// The limits the parser enforces, with Kestrel's defaults (<c>KestrelServerLimits</c>); the server fills them from
/// <c>KestrelServerOptions.Limits</c>.
/// </summary>
internal readonly record struct Http1Limits(
    int MaxRequestLineSize = Http1Limits.DefaultMaxRequestLineSize,
    int MaxRequestHeadersTotalSize = Http1Limits.DefaultMaxRequestHeadersTotalSize,
    int MaxRequestHeaderCount = Http1Limits.DefaultMaxRequestHeaderCount,
    long? MaxRequestBodySize = Http1Limits.DefaultMaxRequestBodySize)
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
