using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The request head as the application sees it: method, target, protocol and headers, turned into strings, each
/// reused while the next request sends the same bytes (<see cref="ReusedString"/>), so that a repeated request on a
/// keep-alive connection allocates no string.
/// </summary>
internal abstract partial class Http1Connection
{
    private readonly Http1RequestHeaders _requestHeaders;
    private string? _reusedTarget;
    private string? _reusedPath;
    private HeaderDictionary? _requestTrailers;
    private string _method = HttpMethods.Get;
    private string _rawTarget = "/";
    private string _requestPath = "/";
    private string _queryString = "";
    private string _protocol = HttpProtocol.Http11;
    private string? _customMethod;
    private bool _inTrailers;

    private RequestRejectionReason OnRequestLine(in Http1RequestLine line)
    {
        RequestRejectionReason rejection = _framing.OnRequestLine(line);
        if (rejection != RequestRejectionReason.None)
        {
            return rejection;
        }

        _method = RequestMethods.ToName(line.Method) ?? CustomMethod(line.MethodText);
        _protocol = line.Version == Http1Version.Http10 ? HttpProtocol.Http10 : HttpProtocol.Http11;
        _rawTarget = ReusedString.Get(ref _reusedTarget, line.Target, Encoding.ASCII);
        switch (line.Form)
        {
            case RequestTargetForm.Origin:
                _requestPath = line.PathEncoded || RequestPath.HasDotSegments(line.Path)
                    ? RequestPath.Decode(line.Path)
                    : ReusedString.Get(ref _reusedPath, line.Path, Encoding.ASCII);
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
                string trailer = Encoding.ASCII.GetString(name);
                if (!_requestHeaders.TryDecodeValue(trailer, value, out string text))
                {
                    return RequestRejectionReason.MalformedTrailerValue;
                }

                Append(_requestTrailers, trailer, text);
            }

            return RequestRejectionReason.None;
        }

        RequestRejectionReason rejection = _framing.OnHeader(header, value);
        if (rejection != RequestRejectionReason.None)
        {
            return rejection;
        }

        if (!_requestHeaders.Append(header, name, value))
        {
            return RequestRejectionReason.MalformedRequestInvalidHeaders;
        }
        return RequestRejectionReason.None;
    }

    /// <summary>
    /// What Kestrel shows the application of the framing headers: Content-Length as the number it parsed (renamed
    /// X-Content-Length when Transfer-Encoding won), Connection in its canonical spelling when it names one option.
    /// </summary>
    private void OnHeadComplete()
    {
        if (_framing.DeclaredContentLength is { } declared)
        {
            if (_request.IgnoredContentLength)
            {
                _requestHeaders["X-Content-Length"] = declared.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                _requestHeaders.ContentLength = declared;
            }
        }

        if (_framing.CanonicalConnectionValue is { } connection)
        {
            _requestHeaders[HeaderNames.Connection] = connection;
        }

        _requestBody.Start(_request);
    }

    private static void Append(HeaderDictionary headers, string name, string value) =>
        headers[name] = headers.TryGetValue(name, out StringValues existing) ? StringValues.Concat(existing, value) : new StringValues(value);
}
