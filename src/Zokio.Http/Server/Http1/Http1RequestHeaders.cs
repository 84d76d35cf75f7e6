using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The request's headers: a slot per <see cref="KnownHeader"/> (the parser has matched each field's name already, so
/// storing one is an array index), other names in a dictionary. Names and values become strings through a cache kept
/// by field position (<see cref="ReusedString"/>): a keep-alive client that repeats its headers (Host, Accept,
/// User-Agent, cookies, its own X- headers) in the same order gets the same strings back, so a repeated request
/// allocates none, as with Kestrel's header value reuse (which keeps known headers' values only).
/// </summary>
internal sealed class Http1RequestHeaders : Http1Headers
{
    /// <summary>The canonical names, indexed by <see cref="KnownHeader"/> (Unknown has no name).</summary>
    private static readonly HeaderNameTable Names = new(
    [
        null,
        HeaderNames.Accept,
        HeaderNames.AcceptEncoding,
        HeaderNames.AcceptLanguage,
        HeaderNames.Authorization,
        HeaderNames.CacheControl,
        HeaderNames.Connection,
        HeaderNames.ContentLength,
        HeaderNames.ContentType,
        HeaderNames.Cookie,
        HeaderNames.Expect,
        HeaderNames.Host,
        HeaderNames.IfModifiedSince,
        HeaderNames.IfNoneMatch,
        HeaderNames.Origin,
        HeaderNames.Referer,
        HeaderNames.TE,
        HeaderNames.TransferEncoding,
        HeaderNames.Upgrade,
        HeaderNames.UserAgent,
    ]);

    /// <summary>Fields past this many in one request are decoded afresh each time (a bound on what a connection keeps).</summary>
    private const int MaxReusedFields = 64;

    private FieldStrings[] _reused = [];
    private int _fieldCount;

    /// <summary>
    /// The app's <c>RequestHeaderEncodingSelector</c>: the encoding of a field's value by its name (null, or a null
    /// answer: UTF-8). Null for Kestrel's default, so the usual case makes no call.
    /// </summary>
    public Func<string, Encoding?>? ValueEncodingSelector { get; init; }

    /// <summary>Creates an empty collection.</summary>
    public Http1RequestHeaders()
        : base(Names)
    {
    }

    /// <summary>
    /// Adds a field as the parser found it: its value appended to the values already there under the same name (RFC
    /// 9110 section 5.3). A known name is shown in its canonical spelling, any other as sent. Content-Length is
    /// skipped: the app sees the number the framing parsed, which the connection sets as
    /// <see cref="Http1Headers.ContentLength"/> once the head is complete.
    /// </summary>
    /// <returns>False when the value is not text in its encoding (UTF-8 that does not decode): a bad request.</returns>
    public bool Append(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (header == KnownHeader.ContentLength)
        {
            return true;
        }

        int field = _fieldCount++;
        bool reuse = field < MaxReusedFields;
        // Names are ASCII (the parser checked them).
        string? key = header != KnownHeader.Unknown ? null
            : reuse ? ReusedString.Get(ref ReusedAt(field).Name, name, Encoding.ASCII)
            : Encoding.ASCII.GetString(name);
        Encoding encoding = ValueEncodingSelector is null ? Encoding.UTF8 : ValueEncoding(key ?? Names.NameAt((int)header));
        if (!IsText(value, encoding))
        {
            return false;
        }

        // A reused string is matched as ASCII text, which only an ASCII-compatible decoding (UTF-8) reproduces.
        string text = reuse && encoding == Encoding.UTF8 ? ReusedString.Get(ref ReusedAt(field).Value, value, encoding) : encoding.GetString(value);

        if (key is null)
        {
            ref StringValues slot = ref Slots[(int)header];
            slot = slot.Count == 0 ? new StringValues(text) : StringValues.Concat(slot, text);
        }
        else
        {
            // The dictionary ignores case, as RFC 9110 section 5.1 does: fields spelled differently join the first.
            Dictionary<string, StringValues> others = EnsureOthers();
            others[key] = others.TryGetValue(key, out StringValues existing) ? StringValues.Concat(existing, text) : new StringValues(text);
        }

        return true;
    }

    /// <summary>
    /// Decodes the value of a field named <paramref name="name"/> as <see cref="Append"/> does, for the trailer fields
    /// the connection keeps elsewhere; false when it is not text in its encoding.
    /// </summary>
    public bool TryDecodeValue(string name, ReadOnlySpan<byte> value, out string text)
    {
        Encoding encoding = ValueEncoding(name);
        if (!IsText(value, encoding))
        {
            text = "";
            return false;
        }

        text = encoding.GetString(value);
        return true;
    }

    /// <summary>
    /// Whether the bytes are text in <paramref name="encoding"/>: UTF-8 must decode (the parser checked it already when
    /// the app picks no encodings); the app's own encodings take any byte, as Kestrel lets them.
    /// </summary>
    private bool IsText(ReadOnlySpan<byte> value, Encoding encoding) =>
        ValueEncodingSelector is null || encoding != Encoding.UTF8 || Utf8.IsValid(value);

    /// <summary>What decodes the value of a field named <paramref name="name"/> (canonical when known): the selector's answer, else UTF-8.</summary>
    private Encoding ValueEncoding(string name) => ValueEncodingSelector?.Invoke(name) ?? Encoding.UTF8;

    /// <summary>As Kestrel's request headers: a bad request, as if the client had sent it.</summary>
    protected override Exception InvalidContentLength(string text) =>
        new BadHttpRequestException($"Invalid content length: {text}", StatusCodes.Status400BadRequest);

    /// <inheritdoc/>
    public override void Reset()
    {
        base.Reset();
        _fieldCount = 0;
    }

    private ref FieldStrings ReusedAt(int field)
    {
        if (field >= _reused.Length)
        {
            Array.Resize(ref _reused, Math.Min(Math.Max(8, _reused.Length * 2), MaxReusedFields));
        }

        return ref _reused[field];
    }

    /// <summary>The strings last made for the field at one position of the head.</summary>
    private struct FieldStrings
    {
        public string? Name;
        public string? Value;
    }
}
