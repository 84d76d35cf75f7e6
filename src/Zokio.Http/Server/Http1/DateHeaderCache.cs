using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The <c>Date</c> response header (RFC 9110 section 6.6.1) as ready-made bytes, "Date: ...\r\n", rebuilt when
/// <see cref="Refresh"/> is called (once a second, from the loop's timer) rather than formatted per response. Readers on
/// other threads see either the old or the new array, never a torn one.
/// </summary>
internal sealed class DateHeaderCache
{
    private byte[] _headerLine;
    private long _second;

    public DateHeaderCache(DateTimeOffset now)
    {
        _second = now.ToUnixTimeSeconds();
        _headerLine = Format(now);
    }

    /// <summary>"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" for the last refresh.</summary>
    public ReadOnlySpan<byte> HeaderLine => Volatile.Read(ref _headerLine);

    /// <summary>The value alone ("Sun, 06 Nov 1994 08:49:37 GMT").</summary>
    public ReadOnlySpan<byte> Value => HeaderLine["Date: ".Length..^2];

    /// <summary>Rebuilds the bytes if <paramref name="now"/> is in another second than the last refresh.</summary>
    public void Refresh(DateTimeOffset now)
    {
        long second = now.ToUnixTimeSeconds();
        if (second != _second)
        {
            _second = second;
            Volatile.Write(ref _headerLine, Format(now));
        }
    }

    // IMF-fixdate through the "r" (RFC 1123) format, which is culture-invariant and always GMT.
    private static byte[] Format(DateTimeOffset now) => Encoding.ASCII.GetBytes("Date: " + now.UtcDateTime.ToString("r") + "\r\n");
}
