using System.Buffers;
using System.Text;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Runs a byte stream through the parser, the framing decision and the chunked decoder in-process, the way a server
/// loop would (request after request until one closes the connection or the input ends), and answers each request
/// like the echo app. The input arrives in pieces cut at <c>splits</c>, each read seeing every unconsumed byte as a
/// multi-segment sequence, so resuming after a split is exercised.
/// </summary>
internal static class Http1Model
{
    public static Http1Outcome Run(byte[] input, Http1Limits limits, IReadOnlyList<int>? splits = null)
    {
        var feed = new Feed(input, splits ?? []);
        var responses = new List<Http1Response>();
        var parser = new Http1RequestParser(limits);
        while (true)
        {
            parser.Reset();
            var handler = new EchoHandler();
            string? rejectedLine = null;
            if (!TakeHead(ref parser, handler, feed, responses, ref rejectedLine))
            {
                return new Http1Outcome(responses) { RejectedRequestLine = rejectedLine };
            }

            RequestRejectionReason decision = handler.Framing.Decide(out Http1Framing framing);
            if (decision != RequestRejectionReason.None)
            {
                Reject(responses, decision);
                return new Http1Outcome(responses);
            }

            var body = new ArrayBufferWriter<byte>();
            RequestRejectionReason bodyRejection = framing.Body switch
            {
                Http1BodyKind.ContentLength => ReadContentLength(framing, limits, feed, body),
                Http1BodyKind.Chunked => ReadChunked(ref parser, handler, limits, feed, body),
                _ => RequestRejectionReason.None,
            };
            if (bodyRejection != RequestRejectionReason.None)
            {
                Reject(responses, bodyRejection);
                return new Http1Outcome(responses);
            }

            responses.Add(new Http1Response(200, handler.Echo(framing, body.WrittenSpan)));
            if (!framing.KeepAlive)
            {
                return new Http1Outcome(responses);
            }
        }
    }

    private static bool TakeHead(ref Http1RequestParser parser, EchoHandler handler, Feed feed, List<Http1Response> responses, ref string? rejectedLine)
    {
        while (true)
        {
            // An incomplete request line is not consumed, so a rejected one starts here (after any blank lines).
            int before = feed.Position;

            ReadOnlySequence<byte> buffer = feed.Available();
            Http1ParseStatus status = parser.ParseRequestHead(ref handler, buffer, out SequencePosition consumed, out _, out RequestRejectionReason rejection);
            feed.Consume(buffer, consumed);
            if (status == Http1ParseStatus.Complete)
            {
                return true;
            }

            if (status == Http1ParseStatus.Rejected)
            {
                if (rejection == RequestRejectionReason.InvalidRequestLine)
                {
                    rejectedLine = feed.LineAt(before);
                }

                Reject(responses, rejection);
                return false;
            }

            if (!feed.More())
            {
                // The stream ended: cleanly between requests, or in the middle of a head (as Kestrel, a 400).
                if (parser.RejectionAtEndOfInput is not RequestRejectionReason.None and var atEnd)
                {
                    Reject(responses, atEnd);
                }

                return false;
            }
        }
    }

    private static RequestRejectionReason ReadContentLength(Http1Framing framing, Http1Limits limits, Feed feed, ArrayBufferWriter<byte> body)
    {
        RequestRejectionReason size = framing.CheckBodySize(limits.MaxRequestBodySize);
        if (size != RequestRejectionReason.None)
        {
            return size;
        }

        long remaining = framing.ContentLength;
        while (remaining > 0)
        {
            ReadOnlySequence<byte> buffer = feed.Available();
            ReadOnlySequence<byte> take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            foreach (ReadOnlyMemory<byte> segment in take)
            {
                body.Write(segment.Span);
            }

            remaining -= take.Length;
            feed.Consume(buffer, take.End);
            if (remaining > 0 && !feed.More())
            {
                return RequestRejectionReason.UnexpectedEndOfRequestContent;
            }
        }

        return RequestRejectionReason.None;
    }

    private static RequestRejectionReason ReadChunked(ref Http1RequestParser parser, EchoHandler handler, Http1Limits limits, Feed feed, ArrayBufferWriter<byte> body)
    {
        var decoder = new Http1ChunkedDecoder(limits.MaxRequestBodySize);
        handler.InTrailers = true;
        while (true)
        {
            ReadOnlySequence<byte> buffer = feed.Available();
            ChunkedReadStatus status = decoder.Read(ref handler, ref parser, buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed, out _, out RequestRejectionReason rejection);
            foreach (ReadOnlyMemory<byte> segment in data)
            {
                body.Write(segment.Span);
            }

            feed.Consume(buffer, consumed);
            switch (status)
            {
                case ChunkedReadStatus.Complete:
                    return RequestRejectionReason.None;
                case ChunkedReadStatus.Rejected:
                    return rejection;
                case ChunkedReadStatus.NeedMoreData when !feed.More():
                    return RequestRejectionReason.UnexpectedEndOfRequestContent;
            }
        }
    }

    private static void Reject(List<Http1Response> responses, RequestRejectionReason reason)
    {
        if (!reason.ClosesWithoutResponse())
        {
            responses.Add(new Http1Response(reason.StatusCode(), null));
        }
    }

    /// <summary>The bytes received so far, handed out as a sequence with a segment boundary at every split.</summary>
    private sealed class Feed(byte[] input, IReadOnlyList<int> splits)
    {
        private int _position;
        private int _received = splits.Count > 0 ? Math.Min(splits[0], input.Length) : input.Length;

        public int Position => _position;

        /// <summary>The line starting at <paramref name="start"/> (after any blank lines), without its LF.</summary>
        public string LineAt(int start)
        {
            ReadOnlySpan<byte> rest = input.AsSpan(start).TrimStart("\r\n"u8);
            int end = rest.IndexOf((byte)'\n');
            return Encoding.Latin1.GetString(end < 0 ? rest : rest[..end]);
        }

        public ReadOnlySequence<byte> Available()
        {
            var cuts = splits.Where(s => s > _position && s < _received).Distinct().Order().ToList();
            return Segments.Create(input.AsMemory(_position, _received - _position), cuts.Select(c => c - _position).ToList());
        }

        public void Consume(ReadOnlySequence<byte> buffer, SequencePosition consumed) => _position += (int)buffer.Slice(buffer.Start, consumed).Length;

        /// <summary>Receives the next piece; false at the end of the stream.</summary>
        public bool More()
        {
            if (_received >= input.Length)
            {
                return false;
            }

            int next = splits.Where(s => s > _received).DefaultIfEmpty(input.Length).Min();
            _received = Math.Min(next, input.Length);
            return true;
        }
    }

    /// <summary>Collects what the echo app reports, and the framing state, from the parser's callbacks.</summary>
    private sealed class EchoHandler : IHttp1RequestHandler
    {
        private readonly List<(string Name, string Value)> _headers = [];
        private readonly List<(string Name, string Value)> _trailers = [];
        private string _method = "";
        private string _target = "";
        private string _protocol = "";

        public Http1RequestFraming Framing;

        public bool InTrailers { get; set; }

        public RequestRejectionReason OnRequestLine(in Http1RequestLine requestLine)
        {
            _method = Encoding.ASCII.GetString(requestLine.MethodText);
            _target = Encoding.ASCII.GetString(requestLine.Target);
            _protocol = requestLine.Version == Http1Version.Http10 ? "HTTP/1.0" : "HTTP/1.1";
            return Framing.OnRequestLine(requestLine);
        }

        public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            // Kestrel does not add a trailer whose value is empty.
            if (!InTrailers || !value.IsEmpty)
            {
                (InTrailers ? _trailers : _headers).Add((Encoding.ASCII.GetString(name), Encoding.UTF8.GetString(value)));
            }

            return InTrailers ? RequestRejectionReason.None : Framing.OnHeader(header, value);
        }

        /// <summary>
        /// The headers as Kestrel shows them to the app: Content-Length as the number it parsed (renamed
        /// X-Content-Length when Transfer-Encoding won), Connection in its interned spelling when it names one option.
        /// </summary>
        public string Echo(Http1Framing framing, ReadOnlySpan<byte> body)
        {
            string? connection = Framing.CanonicalConnectionValue;
            List<(string Name, string Value)> headers = [];
            foreach ((string name, string value) in _headers)
            {
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    string number = long.Parse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    headers.Add((framing.IgnoredContentLength ? "X-Content-Length" : name, number));
                }
                else if (connection is not null && name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    if (!headers.Any(h => h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase)))
                    {
                        headers.Add((name, connection));
                    }
                }
                else
                {
                    headers.Add((name, value));
                }
            }

            return EchoFormat.Build(_method, _target, _protocol, headers, body, _trailers);
        }
    }
}
