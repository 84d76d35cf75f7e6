using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Strings decoded from request bytes, kept where they were made so that the same bytes next time give the same string
/// without allocating. A connection's requests tend to repeat themselves (the same path, Host, Accept, User-Agent), so
/// on a keep-alive connection a repeated request allocates no string, as with Kestrel's string reuse.
/// </summary>
internal static class ReusedString
{
    /// <summary>
    /// <paramref name="previous"/> when <paramref name="bytes"/> spell it, else the bytes decoded with
    /// <paramref name="encoding"/> (then kept in <paramref name="previous"/>). The comparison is of ASCII text
    /// against the string itself, so nothing else is kept; a value with non-ASCII characters is decoded every time.
    /// </summary>
    public static string Get(ref string? previous, ReadOnlySpan<byte> bytes, Encoding encoding)
    {
        if (previous is not null && Ascii.Equals(bytes, previous))
        {
            return previous;
        }

        return previous = encoding.GetString(bytes);
    }
}
