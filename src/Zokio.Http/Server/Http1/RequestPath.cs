using System.Buffers;
using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Turns the path of a request target into <c>HttpRequest.Path</c> as Kestrel does: percent-escapes decoded except
/// <c>%2F</c> (an encoded slash is data, not a segment separator), dot segments removed (RFC 3986 section 5.2.4),
/// and the bytes read as UTF-8 (Latin-1 if they are not valid UTF-8).
/// </summary>
internal static class RequestPath
{
    public static bool HasDotSegments(ReadOnlySpan<byte> path) => path.IndexOf("/."u8) >= 0;

    public static string Decode(ReadOnlySpan<byte> path)
    {
        byte[]? rented = null;
        Span<byte> buffer = path.Length <= 256 ? stackalloc byte[path.Length] : (rented = ArrayPool<byte>.Shared.Rent(path.Length));
        try
        {
            int length = Unescape(path, buffer);
            length = RemoveDotSegments(buffer[..length]);
            ReadOnlySpan<byte> decoded = buffer[..length];
            return System.Text.Unicode.Utf8.IsValid(decoded) ? Encoding.UTF8.GetString(decoded) : Encoding.Latin1.GetString(decoded);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Unescape(ReadOnlySpan<byte> path, Span<byte> destination)
    {
        int written = 0;
        for (int i = 0; i < path.Length; i++)
        {
            byte b = path[i];
            if (b == '%' && i + 2 < path.Length && TryHex(path[i + 1], path[i + 2], out byte decoded) && decoded != '/')
            {
                destination[written++] = decoded;
                i += 2;
            }
            else
            {
                destination[written++] = b;
            }
        }

        return written;
    }

    private static bool TryHex(byte high, byte low, out byte value)
    {
        int h = HexValue(high);
        int l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Removes "." and ".." segments in place (the path starts with '/'); returns the new length.</summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        if (!HasDotSegments(path))
        {
            return path.Length;
        }

        int read = 0;
        int written = 0;
        while (read < path.Length)
        {
            // Each step looks at one segment: path[read] is '/'.
            int next = path[(read + 1)..].IndexOf((byte)'/');
            int end = next < 0 ? path.Length : read + 1 + next;
            ReadOnlySpan<byte> segment = path[(read + 1)..end];
            bool last = end == path.Length;
            if (segment.SequenceEqual("."u8))
            {
                if (last)
                {
                    path[written++] = (byte)'/';
                }
            }
            else if (segment.SequenceEqual(".."u8))
            {
                // Back to the start of the previous segment in the output.
                written = written > 0 ? path[..written].LastIndexOf((byte)'/') : 0;
                written = Math.Max(written, 0);
                if (last)
                {
                    path[written++] = (byte)'/';
                }
            }
            else
            {
                path[read..end].CopyTo(path[written..]);
                written += end - read;
            }

            read = end;
        }

        return written == 0 ? WriteRoot(path) : written;
    }

    private static int WriteRoot(Span<byte> path)
    {
        path[0] = (byte)'/';
        return 1;
    }
}
