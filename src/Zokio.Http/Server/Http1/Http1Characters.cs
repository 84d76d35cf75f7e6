using System.Buffers;

namespace Zokio.Http.Server.Http1;

/// <summary>The character classes of RFC 9110 the parser checks, as vectorised <see cref="SearchValues{T}"/>.</summary>
internal static class Http1Characters
{
    /// <summary>tchar (RFC 9110 section 5.6.2): methods, header names, transfer codings, chunk extension names.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>What Kestrel lets through in an authority-form target (host, port, IPv6 brackets, userinfo).</summary>
    public static readonly SearchValues<byte> Authority = SearchValues.Create(":.-[]@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Host header characters as Kestrel (and Http.Sys) accept them: RFC 3986 reg-name less "*+,;=" and percent-encoding.</summary>
    public static readonly SearchValues<byte> Host = SearchValues.Create("!$&'()-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Delimiters that end a request line: LF, or a NUL that makes the line invalid.</summary>
    public static readonly SearchValues<byte> RequestLineEnd = SearchValues.Create("\n\0"u8);

    /// <summary>Line-ending bytes inside a header block.</summary>
    public static readonly SearchValues<byte> CrOrLf = SearchValues.Create("\r\n"u8);

    /// <summary>field-value (RFC 9110 section 5.5) in a response with no encoding selector: HTAB, SP and VCHAR only.</summary>
    public static readonly SearchValues<char> FieldValue = SearchValues.Create("\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Control characters (all but HTAB) and DEL, which no response field value may carry whatever its encoding.</summary>
    public static readonly SearchValues<char> InvalidFieldValueExtended = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>tchar as chars, for response header names.</summary>
    public static readonly SearchValues<char> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public static bool IsHexDigit(byte b) => (uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 5;

    public static int HexValue(byte b) => (uint)(b - '0') <= 9 ? b - '0' : (b | 0x20) - 'a' + 10;
}
