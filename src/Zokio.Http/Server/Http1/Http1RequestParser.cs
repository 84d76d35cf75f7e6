using System.Buffers;
using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Incremental HTTP/1.1 request-head parser (RFC 9112 sections 2-5) with Kestrel's strictness and limits. It works
/// over a <see cref="ReadOnlySequence{T}"/> and reports what it consumed: a head split across reads resumes at the
/// first line not yet taken, and only a line that straddles two buffers is copied. One per connection, reset between
/// requests; it holds no buffer and allocates nothing on the common path.
/// </summary>
/// <remarks>
/// Header fields and the trailer fields of a chunked body share one budget, as in Kestrel: together they may take
/// <see cref="Http1Limits.MaxRequestHeadersTotalSize"/> bytes and <see cref="Http1Limits.MaxRequestHeaderCount"/>
/// fields, so call <see cref="Reset"/> only when the next request starts.
/// </remarks>
internal partial struct Http1RequestParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';
    private const byte Space = (byte)' ';

    private readonly Http1Limits _limits;
    private State _state;
    private long _remainingFieldBytes;
    private int _fieldCount;

    public Http1RequestParser(Http1Limits limits)
    {
        if (limits.MaxRequestLineSize <= 0 || limits.MaxRequestHeadersTotalSize <= 0 || limits.MaxRequestHeaderCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limits), limits, "MaxRequestLineSize, MaxRequestHeadersTotalSize and MaxRequestHeaderCount must be greater than 0.");
        }

        _limits = limits;
        Reset();
    }

    private enum State : byte
    {
        RequestPending,
        RequestLine,
        Headers,
        HeadComplete,
        Trailers,
    }

    public readonly Http1Limits Limits => _limits;

    /// <summary>True while nothing of the next request has arrived (blank lines between requests do not count).</summary>
    public readonly bool IsRequestPending => _state == State.RequestPending;

    /// <summary>True while the request line is incomplete; an end of input here is a bad request line.</summary>
    public readonly bool IsParsingRequestLine => _state == State.RequestLine;

    /// <summary>True while the header block is incomplete; an end of input here is a malformed head.</summary>
    public readonly bool IsParsingHeaders => _state == State.Headers;

    /// <summary>
    /// What the end of the input means where the parser stands, as Kestrel answers it: nothing between requests (a
    /// clean close), a bad request line, or a malformed head.
    /// </summary>
    public readonly RequestRejectionReason RejectionAtEndOfInput => _state switch
    {
        State.RequestLine => RequestRejectionReason.InvalidRequestLine,
        State.Headers => RequestRejectionReason.MalformedRequestInvalidHeaders,
        _ => RequestRejectionReason.None,
    };

    /// <summary>Readies the parser for the next request on the connection.</summary>
    public void Reset()
    {
        _state = State.RequestPending;
        // Kestrel allows the limit plus the blank line that ends the block.
        _remainingFieldBytes = (long)_limits.MaxRequestHeadersTotalSize + 2;
        _fieldCount = 0;
    }

    /// <summary>
    /// Parses as much of the request head as <paramref name="buffer"/> holds. <paramref name="consumed"/> is where the
    /// next call must start; <paramref name="examined"/> is how far the parser looked (the buffer's end unless the head
    /// is complete), so a pipe reader waits for more bytes rather than returning the same ones.
    /// </summary>
    public Http1ParseStatus ParseRequestHead<THandler>(ref THandler handler, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined, out RequestRejectionReason rejection)
        where THandler : IHttp1RequestHandler
    {
        var reader = new SequenceReader<byte>(buffer);
        Http1ParseStatus status = ParseRequestHead(ref handler, ref reader, out rejection);
        consumed = reader.Position;
        examined = status == Http1ParseStatus.Complete ? consumed : buffer.End;
        return status;
    }

    /// <summary><see cref="ParseRequestHead{THandler}(ref THandler, in ReadOnlySequence{byte}, out SequencePosition, out SequencePosition, out RequestRejectionReason)"/> on a reader the caller owns.</summary>
    public Http1ParseStatus ParseRequestHead<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1RequestHandler
    {
        rejection = RequestRejectionReason.None;
        switch (_state)
        {
            case State.RequestPending:
                // RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before the request line; Kestrel
                // skips any run of CR and LF there.
                if (reader.TryPeek(out byte first) && (first == CR || first == LF))
                {
                    reader.AdvancePastAny(CR, LF);
                }

                if (reader.End)
                {
                    return Http1ParseStatus.Incomplete;
                }

                _state = State.RequestLine;
                goto case State.RequestLine;

            case State.RequestLine:
                Http1ParseStatus lineStatus = TakeRequestLine(ref handler, ref reader, out rejection);
                if (lineStatus != Http1ParseStatus.Complete)
                {
                    return lineStatus;
                }

                _state = State.Headers;
                goto case State.Headers;

            case State.Headers:
                Http1ParseStatus headStatus = TakeFields(ref handler, ref reader, out rejection);
                if (headStatus == Http1ParseStatus.Complete)
                {
                    _state = State.HeadComplete;
                }

                return headStatus;

            default:
                throw new InvalidOperationException("The request head is already complete; call Reset before parsing the next request.");
        }
    }

    /// <summary>
    /// Parses the trailer section of a chunked body (RFC 9112 section 7.1.2) up to and including its blank line, with
    /// the header rules and the budget left over from the head.
    /// </summary>
    public Http1ParseStatus ParseTrailers<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        _state = State.Trailers;
        return TakeFields(ref handler, ref reader, out rejection);
    }

    private Http1ParseStatus TakeRequestLine<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1RequestHandler
    {
        int max = _limits.MaxRequestLineSize;
        // Kestrel looks for the end of the line within the first MaxRequestLineSize bytes only; with that many
        // bytes buffered and no end in sight the line is too long.
        bool capped = reader.Remaining >= max;
        ReadOnlySpan<byte> unread = reader.UnreadSpan;
        ReadOnlySpan<byte> window = unread.Length > max ? unread[..max] : unread;
        int index = window.IndexOfAny(Http1Characters.RequestLineEnd);
        if (index >= 0)
        {
            byte delimiter = window[index];
            reader.Advance(index + 1);
            return ProcessRequestLine(ref handler, window[..index], delimiter, out rejection);
        }

        if (window.Length == max || reader.Remaining == unread.Length)
        {
            rejection = capped ? RequestRejectionReason.RequestLineTooLong : RequestRejectionReason.None;
            return capped ? Http1ParseStatus.Rejected : Http1ParseStatus.Incomplete;
        }

        return TakeSplitRequestLine(ref handler, ref reader, capped, out rejection);
    }

    private Http1ParseStatus TakeSplitRequestLine<THandler>(ref THandler handler, ref SequenceReader<byte> reader, bool capped, out RequestRejectionReason rejection)
        where THandler : IHttp1RequestHandler
    {
        ReadOnlySequence<byte> unread = reader.UnreadSequence;
        var window = new SequenceReader<byte>(capped ? unread.Slice(0, _limits.MaxRequestLineSize) : unread);
        if (!window.TryReadToAny(out ReadOnlySequence<byte> line, "\n\0"u8, advancePastDelimiter: false))
        {
            rejection = capped ? RequestRejectionReason.RequestLineTooLong : RequestRejectionReason.None;
            return capped ? Http1ParseStatus.Rejected : Http1ParseStatus.Incomplete;
        }

        window.TryRead(out byte delimiter);
        reader.Advance(window.Consumed);
        int length = (int)line.Length;
        byte[] scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            line.CopyTo(scratch);
            return ProcessRequestLine(ref handler, scratch.AsSpan(0, length), delimiter, out rejection);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static Http1ParseStatus ProcessRequestLine<THandler>(ref THandler handler, ReadOnlySpan<byte> line, byte delimiter, out RequestRejectionReason rejection)
        where THandler : IHttp1RequestHandler
    {
        rejection = ValidateRequestLine(line, delimiter, out RequestMethod method, out int methodEnd, out int targetStart, out int targetEnd, out Http1Version version);
        if (rejection != RequestRejectionReason.None)
        {
            return Http1ParseStatus.Rejected;
        }

        ReadOnlySpan<byte> target = line[targetStart..targetEnd];
        rejection = ClassifyTarget(method, target, out RequestTargetForm form);
        if (rejection != RequestRejectionReason.None)
        {
            return Http1ParseStatus.Rejected;
        }

        int query = target.IndexOf((byte)'?');
        int pathLength = query < 0 ? target.Length : query;
        bool pathEncoded = target[..pathLength].Contains((byte)'%');
        var requestLine = new Http1RequestLine(method, line[..methodEnd], target, pathLength, pathEncoded, form, version);
        rejection = handler.OnRequestLine(requestLine);
        return rejection == RequestRejectionReason.None ? Http1ParseStatus.Complete : Http1ParseStatus.Rejected;
    }

    /// <summary>method SP request-target SP HTTP-version, the line already cut before its LF (RFC 9112 section 3).</summary>
    private static RequestRejectionReason ValidateRequestLine(ReadOnlySpan<byte> line, byte delimiter, out RequestMethod method, out int methodEnd, out int targetStart, out int targetEnd, out Http1Version version)
    {
        method = RequestMethod.Custom;
        targetStart = targetEnd = 0;
        version = Http1Version.Http11;
        methodEnd = line.IndexOfAnyExcept(Http1Characters.Token);
        if (delimiter == 0 || methodEnd <= 0 || line[methodEnd] != Space)
        {
            return RejectLine(line);
        }

        method = RequestMethods.Classify(line[..methodEnd]);
        targetStart = methodEnd + 1;
        if (targetStart >= line.Length)
        {
            return RejectLine(line);
        }

        // An empty target, or one starting with '?' or '%', is invalid (Kestrel).
        byte first = line[targetStart];
        if (first == Space || first == (byte)'?' || first == (byte)'%')
        {
            return RejectLine(line);
        }

        int space = line[(targetStart + 1)..].IndexOf(Space);
        if (space < 0)
        {
            return RejectLine(line);
        }

        targetEnd = targetStart + 1 + space;
        int versionStart = targetEnd + 1;
        // More than one space before the version is invalid, but some clients send it and Kestrel skips them.
        while (versionStart < line.Length && line[versionStart] == Space)
        {
            versionStart++;
        }

        // "HTTP/1.1" then CR (the LF was cut), or no CR at all: a bare LF ends a line (RFC 9112 section 2.2).
        ReadOnlySpan<byte> rest = line[versionStart..];
        if (!(rest.Length == 8 || (rest.Length == 9 && rest[8] == CR)))
        {
            return RejectLine(line);
        }

        ReadOnlySpan<byte> versionText = rest[..8];
        if (versionText.SequenceEqual("HTTP/1.1"u8))
        {
            version = Http1Version.Http11;
        }
        else if (versionText.SequenceEqual("HTTP/1.0"u8))
        {
            version = Http1Version.Http10;
        }
        else
        {
            return RequestRejectionReason.UnrecognizedHttpVersion;
        }

        return RequestRejectionReason.None;
    }

    private static RequestRejectionReason RejectLine(ReadOnlySpan<byte> line) =>
        // A TLS ClientHello starts with the handshake record type 0x16: name the mistake (plain HTTP on a TLS port).
        line.Length > 0 && line[0] == 0x16 ? RequestRejectionReason.TlsOverHttp : RequestRejectionReason.InvalidRequestLine;

    private static RequestRejectionReason ClassifyTarget(RequestMethod method, ReadOnlySpan<byte> target, out RequestTargetForm form)
    {
        if (target[0] == (byte)'/')
        {
            form = RequestTargetForm.Origin;
            // Kestrel turns the target into an ASCII string and refuses NUL and anything above 0x7F, and refuses a
            // path that decodes to a NUL.
            return IsAsciiWithoutNul(target) && !PathHasEncodedNul(target)
                ? RequestRejectionReason.None
                : RequestRejectionReason.InvalidRequestTarget;
        }

        if (target.Length == 1 && target[0] == (byte)'*')
        {
            form = RequestTargetForm.Asterisk;
            return method == RequestMethod.Options ? RequestRejectionReason.None : RequestRejectionReason.OptionsMethodRequired;
        }

        if (target.StartsWith("http://"u8) || target.StartsWith("https://"u8))
        {
            form = RequestTargetForm.Absolute;
            return IsAsciiWithoutNul(target) && Uri.TryCreate(Encoding.ASCII.GetString(target), UriKind.Absolute, out _)
                ? RequestRejectionReason.None
                : RequestRejectionReason.InvalidRequestTarget;
        }

        // Anything else is taken as authority-form, which only CONNECT may use.
        form = RequestTargetForm.Authority;
        if (target.ContainsAnyExcept(Http1Characters.Authority))
        {
            return RequestRejectionReason.InvalidRequestTarget;
        }

        return method == RequestMethod.Connect ? RequestRejectionReason.None : RequestRejectionReason.ConnectMethodRequired;
    }

    private static bool PathHasEncodedNul(ReadOnlySpan<byte> target)
    {
        int query = target.IndexOf((byte)'?');
        return (query < 0 ? target : target[..query]).IndexOf("%00"u8) >= 0;
    }

    private static bool IsAsciiWithoutNul(ReadOnlySpan<byte> span) => !span.ContainsAnyExceptInRange((byte)1, (byte)0x7F);
}
