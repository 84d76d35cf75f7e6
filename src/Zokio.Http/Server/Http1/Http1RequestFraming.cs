using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Collects what decides a request's framing while its head is parsed (Content-Length, Transfer-Encoding,
/// Connection, Host, Expect, Upgrade) and then decides it, with Kestrel's answers where RFC 9112 leaves room. The
/// connection forwards <see cref="IHttp1RequestHandler"/> calls here; one per connection, reset between requests, no
/// allocation for origin-form targets.
/// </summary>
internal struct Http1RequestFraming
{
    private RequestMethod _method;
    private Http1Version _version;
    private RequestTargetForm _form;
    private long _contentLength;
    private bool _hasContentLength;
    private bool _hasTransferEncoding;
    private bool _finalCodingIsChunked;
    private ConnectionOptions _connection;
    private bool _hasConnection;
    private int _hostCount;
    private bool _hostValid;
    private bool _expectContinue;
    private int _expectCount;
    private bool _hostMatchesTarget;
    // Only for absolute- and authority-form targets, which are rare (proxies, CONNECT): compared with Host.
    private string? _targetAuthority;
    private Uri? _absoluteTarget;

    [Flags]
    private enum ConnectionOptions : byte
    {
        None = 0,
        Close = 1,
        KeepAlive = 2,
        Upgrade = 4,
    }

    public void Reset() => this = default;

    public RequestRejectionReason OnRequestLine(in Http1RequestLine line)
    {
        this = default;
        _method = line.Method;
        _version = line.Version;
        _form = line.Form;
        if (line.Form == RequestTargetForm.Authority)
        {
            _targetAuthority = Encoding.ASCII.GetString(line.Target);
        }
        else if (line.Form == RequestTargetForm.Absolute)
        {
            // The parser has already checked that this parses.
            _absoluteTarget = new Uri(Encoding.ASCII.GetString(line.Target), UriKind.Absolute);
        }

        return RequestRejectionReason.None;
    }

    public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> value)
    {
        switch (header)
        {
            case KnownHeader.ContentLength:
                if (_hasContentLength)
                {
                    // Kestrel refuses any second Content-Length, even with the same value (RFC 9110 section 8.6 allows
                    // either), so no list form reaches the framing.
                    return RequestRejectionReason.MultipleContentLengths;
                }

                if (!Utf8Parser.TryParse(value, out long length, out int consumed) || consumed != value.Length || length < 0)
                {
                    return RequestRejectionReason.InvalidContentLength;
                }

                _hasContentLength = true;
                _contentLength = length;
                break;

            case KnownHeader.TransferEncoding:
                _hasTransferEncoding = true;
                ScanTransferCodings(value);
                break;

            case KnownHeader.Connection:
                _hasConnection = true;
                _connection |= ParseConnection(value);
                break;

            case KnownHeader.Host:
                _hostCount++;
                _hostValid = HostHeader.IsValid(value);
                _hostMatchesTarget = MatchesTarget(value);
                break;

            case KnownHeader.Expect:
                // Kestrel compares the whole field (several fields joined by commas) with "100-continue".
                _expectCount++;
                _expectContinue = _expectCount == 1 && Ascii.EqualsIgnoreCase(value, "100-continue"u8);
                break;
        }

        return RequestRejectionReason.None;
    }

    /// <summary>
    /// After the head: the Host checks (RFC 9112 section 3.2), then the body's framing (RFC 9112 section 6.3) and the
    /// persistence of the connection (section 9.3).
    /// </summary>
    public readonly RequestRejectionReason Decide(out Http1Framing framing)
    {
        framing = default;
        RequestRejectionReason host = CheckHost();
        if (host != RequestRejectionReason.None)
        {
            return host;
        }

        bool keepAlive = _version == Http1Version.Http11;
        bool upgrade = false;
        if (_hasConnection)
        {
            upgrade = (_connection & ConnectionOptions.Upgrade) != 0;
            keepAlive |= (_connection & ConnectionOptions.KeepAlive) != 0;
            if ((_connection & ConnectionOptions.Close) != 0)
            {
                keepAlive = false;
            }
        }

        bool expectContinue = _expectContinue && _version == Http1Version.Http11;
        // Kestrel does not upgrade a request that has a body (it would have to drain it first): such a request is
        // served as an ordinary one.
        if (upgrade && !_hasTransferEncoding && !(_hasContentLength && _contentLength != 0))
        {
            framing = new Http1Framing(Http1BodyKind.Upgrade, 0, keepAlive, expectContinue);
            return RequestRejectionReason.None;
        }

        if (_hasTransferEncoding)
        {
            // RFC 9112 section 6.3: chunked must be the final coding of a request, else its length is unknowable.
            if (!_finalCodingIsChunked)
            {
                return RequestRejectionReason.FinalTransferCodingNotChunked;
            }

            // RFC 9112 section 6.1: with both, Transfer-Encoding wins and the connection must close after the response;
            // Kestrel also renames the request's Content-Length to X-Content-Length for the app.
            framing = new Http1Framing(Http1BodyKind.Chunked, 0, keepAlive && !_hasContentLength, expectContinue) { IgnoredContentLength = _hasContentLength };
            return RequestRejectionReason.None;
        }

        if (_hasContentLength && _contentLength > 0)
        {
            framing = new Http1Framing(Http1BodyKind.ContentLength, _contentLength, keepAlive, expectContinue);
            return RequestRejectionReason.None;
        }

        if (!_hasContentLength && _version == Http1Version.Http10 && (_method == RequestMethod.Post || _method == RequestMethod.Put))
        {
            return RequestRejectionReason.LengthRequiredHttp10;
        }

        framing = new Http1Framing(Http1BodyKind.None, 0, keepAlive, expectContinue);
        return RequestRejectionReason.None;
    }

    /// <summary>The Content-Length the request declared (checked: one field, digits only), or null without one.</summary>
    public readonly long? DeclaredContentLength => _hasContentLength ? _contentLength : null;

    /// <summary>
    /// The value the app should see for Connection: as Kestrel does, when the fields name exactly one of close,
    /// keep-alive and upgrade, the interned spelling ("close", "keep-alive", "Upgrade") replaces what was sent; null
    /// keeps the value as sent.
    /// </summary>
    public readonly string? CanonicalConnectionValue => _connection switch
    {
        ConnectionOptions.Close => "close",
        ConnectionOptions.KeepAlive => "keep-alive",
        ConnectionOptions.Upgrade => "Upgrade",
        _ => null,
    };

    private readonly RequestRejectionReason CheckHost()
    {
        if (_hostCount == 0)
        {
            return _version == Http1Version.Http10 ? RequestRejectionReason.None : RequestRejectionReason.MissingHostHeader;
        }

        if (_hostCount > 1)
        {
            return RequestRejectionReason.MultipleHostHeaders;
        }

        if (_form is RequestTargetForm.Authority or RequestTargetForm.Absolute && !_hostMatchesTarget)
        {
            return RequestRejectionReason.InvalidHostHeader;
        }

        return _hostValid ? RequestRejectionReason.None : RequestRejectionReason.InvalidHostHeader;
    }

    /// <summary>
    /// For absolute- and authority-form targets Host must name the target's authority (RFC 9112 section 3.2.2); as in
    /// Kestrel, an absolute target on its scheme's default port matches Host with or without the port.
    /// </summary>
    private readonly bool MatchesTarget(ReadOnlySpan<byte> host)
    {
        if (_form == RequestTargetForm.Authority)
        {
            return Ascii.Equals(host, _targetAuthority);
        }

        if (_form == RequestTargetForm.Absolute)
        {
            string authority = _absoluteTarget!.Authority;
            return Ascii.Equals(host, authority)
                || (_absoluteTarget.IsDefaultPort && Ascii.Equals(host, authority + ":" + _absoluteTarget.Port.ToString(CultureInfo.InvariantCulture)));
        }

        return true;
    }

    /// <summary>Transfer-Encoding is a list of codings, possibly over several fields; only the last one matters here.</summary>
    private void ScanTransferCodings(ReadOnlySpan<byte> value)
    {
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> coding = value[range].Trim(" \t"u8);
            if (!coding.IsEmpty)
            {
                _finalCodingIsChunked = Ascii.EqualsIgnoreCase(coding, "chunked"u8);
            }
        }
    }

    private static ConnectionOptions ParseConnection(ReadOnlySpan<byte> value)
    {
        ConnectionOptions options = ConnectionOptions.None;
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = value[range].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                options |= ConnectionOptions.Close;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                options |= ConnectionOptions.KeepAlive;
            }
            else if (Ascii.EqualsIgnoreCase(option, "upgrade"u8))
            {
                options |= ConnectionOptions.Upgrade;
            }
        }

        return options;
    }
}
