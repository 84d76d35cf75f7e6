using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The request head as the application sees it: method, target, protocol and headers, turned into strings. A
/// connection's requests tend to repeat themselves (the same path, Host, Accept, User-Agent), so each string is kept
/// and reused while the next request sends the same bytes: on a keep-alive connection a repeated request allocates no
/// string, as Kestrel's string reuse does.
/// </summary>
internal abstract partial class Http1Connection
{
    private readonly HeaderDictionary _requestHeaders = new(16);
    private readonly ReusedString _target = new();
    private readonly ReusedString _path = new();
    private readonly ReusedString[] _knownHeaderValues = CreateReusedStrings(KnownHeaderCount);
    private readonly ReusedString _contentLength = new();
    private HeaderDictionary? _requestTrailers;
    private string _method = HttpMethods.Get;
    private string _rawTarget = "/";
    private string _requestPath = "/";
    private string _queryString = "";
    private string _protocol = HttpProtocol.Http11;
    private string? _customMethod;
    private bool _inTrailers;

    private static int KnownHeaderCount => (int)KnownHeader.UserAgent + 1;

    private RequestRejectionReason OnRequestLine(in Http1RequestLine line)
    {
        RequestRejectionReason rejection = _framing.OnRequestLine(line);
        if (rejection != RequestRejectionReason.None)
        {
            return rejection;
        }

        _method = RequestMethods.ToName(line.Method) ?? CustomMethod(line.MethodText);
        _protocol = line.Version == Http1Version.Http10 ? HttpProtocol.Http10 : HttpProtocol.Http11;
        _rawTarget = _target.Get(line.Target, Encoding.ASCII);
        switch (line.Form)
        {
            case RequestTargetForm.Origin:
                _requestPath = line.PathEncoded || RequestPath.HasDotSegments(line.Path)
                    ? RequestPath.Decode(line.Path)
                    : _path.Get(line.Path, Encoding.ASCII);
                _queryString = line.Query.IsEmpty ? "" : _rawTarget[line.PathLength..];
                break;
            case RequestTargetForm.Absolute:
                var uri = new Uri(_rawTarget, UriKind.Absolute);
                _requestPath = RequestPath.Decode(Encoding.ASCII.GetBytes(uri.AbsolutePath));
                _queryString = uri.Query;
                break;
            default:
                // "OPTIONS *" and CONNECT's authority-form have no path.
                _requestPath = "";
                _queryString = "";
                break;
        }

        return RequestRejectionReason.None;
    }

    private string CustomMethod(ReadOnlySpan<byte> method)
    {
        if (_customMethod is null || !Ascii.Equals(method, _customMethod))
        {
            _customMethod = Encoding.ASCII.GetString(method);
        }

        return _customMethod;
    }

    private RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_inTrailers)
        {
            // Kestrel does not add a trailer whose value is empty.
            if (!value.IsEmpty)
            {
                _requestTrailers ??= new HeaderDictionary();
                Append(_requestTrailers, Encoding.ASCII.GetString(name), Encoding.UTF8.GetString(value));
            }

            return RequestRejectionReason.None;
        }

        RequestRejectionReason rejection = _framing.OnHeader(header, value);
        if (rejection != RequestRejectionReason.None)
        {
            return rejection;
        }

        if (header == KnownHeader.Unknown)
        {
            Append(_requestHeaders, Encoding.ASCII.GetString(name), Encoding.UTF8.GetString(value));
        }
        else
        {
            Append(_requestHeaders, KnownHeaderName(header), _knownHeaderValues[(int)header].Get(value, Encoding.UTF8));
        }

        return RequestRejectionReason.None;
    }

    /// <summary>
    /// What Kestrel shows the application of the framing headers: Content-Length as the number it parsed (renamed
    /// X-Content-Length when Transfer-Encoding won), Connection in its canonical spelling when it names one option.
    /// </summary>
    private void OnHeadComplete()
    {
        if (_requestHeaders.TryGetValue(HeaderNames.ContentLength, out StringValues sent))
        {
            _requestHeaders.Remove(HeaderNames.ContentLength);
            // The framing checked the value already (one field, digits only).
            long declared = _request.IgnoredContentLength ? long.Parse(sent.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : _request.ContentLength;
            Span<byte> digits = stackalloc byte[20];
            declared.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
            string number = _contentLength.Get(digits[..written], Encoding.ASCII);
            _requestHeaders[_request.IgnoredContentLength ? "X-Content-Length" : HeaderNames.ContentLength] = number;
        }

        if (_framing.CanonicalConnectionValue is { } connection)
        {
            _requestHeaders[HeaderNames.Connection] = connection;
        }

        _requestBody.Start(_request);
    }

    private static void Append(HeaderDictionary headers, string name, string value) =>
        headers[name] = headers.TryGetValue(name, out StringValues existing) ? StringValues.Concat(existing, value) : new StringValues(value);

    private static string KnownHeaderName(KnownHeader header) => header switch
    {
        KnownHeader.Accept => HeaderNames.Accept,
        KnownHeader.AcceptEncoding => HeaderNames.AcceptEncoding,
        KnownHeader.AcceptLanguage => HeaderNames.AcceptLanguage,
        KnownHeader.Authorization => HeaderNames.Authorization,
        KnownHeader.CacheControl => HeaderNames.CacheControl,
        KnownHeader.Connection => HeaderNames.Connection,
        KnownHeader.ContentLength => HeaderNames.ContentLength,
        KnownHeader.ContentType => HeaderNames.ContentType,
        KnownHeader.Cookie => HeaderNames.Cookie,
        KnownHeader.Expect => HeaderNames.Expect,
        KnownHeader.Host => HeaderNames.Host,
        KnownHeader.IfModifiedSince => HeaderNames.IfModifiedSince,
        KnownHeader.IfNoneMatch => HeaderNames.IfNoneMatch,
        KnownHeader.Origin => HeaderNames.Origin,
        KnownHeader.Referer => HeaderNames.Referer,
        KnownHeader.TE => HeaderNames.TE,
        KnownHeader.TransferEncoding => HeaderNames.TransferEncoding,
        KnownHeader.Upgrade => HeaderNames.Upgrade,
        KnownHeader.UserAgent => HeaderNames.UserAgent,
        _ => throw new ArgumentOutOfRangeException(nameof(header), header, "Not a known header."),
    };

    private static ReusedString[] CreateReusedStrings(int count)
    {
        var strings = new ReusedString[count];
        for (int i = 0; i < count; i++)
        {
            strings[i] = new ReusedString();
        }

        return strings;
    }

    /// <summary>
    /// A string decoded from bytes, kept with a copy of those bytes so that the same bytes next time give the same
    /// string without allocating.
    /// </summary>
    private sealed class ReusedString
    {
        private byte[] _bytes = [];
        private int _length = -1;
        private string _value = "";

        public string Get(ReadOnlySpan<byte> bytes, Encoding encoding)
        {
            if (bytes.SequenceEqual(_bytes.AsSpan(0, Math.Max(_length, 0))) && _length == bytes.Length)
            {
                return _value;
            }

            _value = encoding.GetString(bytes);
            if (bytes.Length <= 1024)
            {
                if (_bytes.Length < bytes.Length)
                {
                    _bytes = new byte[Math.Max(bytes.Length, 32)];
                }

                bytes.CopyTo(_bytes);
                _length = bytes.Length;
            }
            else
            {
                _length = -1;
            }

            return _value;
        }
    }
}
