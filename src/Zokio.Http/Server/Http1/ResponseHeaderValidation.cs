using System.Globalization;
using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Response header checks as Kestrel makes them: names are tokens; values are VCHAR, SP and HTAB, or, when the
/// app's <c>ResponseHeaderEncodingSelector</c> picks an encoding for the header, anything but control characters. CR
/// and LF are never written, so an application cannot split a response.
/// </summary>
internal static class ResponseHeaderValidation
{
    public static void ValidateName(string name)
    {
        int invalid = name.AsSpan().IndexOfAnyExcept(Http1Characters.TokenChars);
        if (name.Length == 0 || invalid >= 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Invalid non-ASCII or control character in header name: 0x{(invalid >= 0 ? name[invalid] : 0):X4}"));
        }
    }

    /// <summary>Throws for a value that may not be written with <paramref name="encoding"/> (null: ASCII).</summary>
    public static void ValidateValue(string value, Encoding? encoding)
    {
        int invalid = encoding is null
            ? value.AsSpan().IndexOfAnyExcept(Http1Characters.FieldValue)
            : value.AsSpan().IndexOfAny(Http1Characters.InvalidFieldValueExtended);
        if (invalid >= 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Invalid non-ASCII or control character in header: 0x{(int)value[invalid]:X4}"));
        }
    }
}
