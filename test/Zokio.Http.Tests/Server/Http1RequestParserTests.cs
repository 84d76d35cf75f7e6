using System.Buffers;
using System.Text;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

public sealed class Http1RequestParserTests
{
    private const string Wrk = "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n";

    [Fact]
    public void Parses_the_request_line_and_headers_with_known_names_matched()
    {
        var (status, rejection, handler, consumed) = RecordingHandler.Parse("POST /a%20b/c?x=1&y HTTP/1.0\r\nhost: x\r\nCONTENT-LENGTH:  5 \r\nX-Custom:\tv\r\n\r\nhello");
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(RequestRejectionReason.None, rejection);
        Assert.Equal(
            [
                "Post POST /a%20b/c?x=1&y path=/a%20b/c query=?x=1&y encoded=True Origin Http10",
                "Host host=x",
                "ContentLength CONTENT-LENGTH=5",
                "Unknown X-Custom=v",
            ],
            handler.Calls);
        Assert.Equal("POST /a%20b/c?x=1&y HTTP/1.0\r\nhost: x\r\nCONTENT-LENGTH:  5 \r\nX-Custom:\tv\r\n\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1", "Options OPTIONS * path=* query= encoded=False Asterisk Http11")]
    [InlineData("GET http://x/a?b HTTP/1.1", "Get GET http://x/a?b path=http://x/a query=?b encoded=False Absolute Http11")]
    [InlineData("CONNECT x:443 HTTP/1.1", "Connect CONNECT x:443 path=x:443 query= encoded=False Authority Http11")]
    [InlineData("M-SEARCH / HTTP/1.1", "Custom M-SEARCH / path=/ query= encoded=False Origin Http11")]
    public void Recognises_each_target_form_and_custom_methods(string requestLine, string expected)
    {
        var (status, _, handler, _) = RecordingHandler.Parse(requestLine + "\r\nHost: x\r\n\r\n");
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(expected, handler.Calls[0]);
    }

    [Fact]
    public void Known_header_names_are_matched_case_insensitively_from_the_table()
    {
        foreach (KnownHeader header in Enum.GetValues<KnownHeader>().Where(h => h != KnownHeader.Unknown))
        {
            string name = header switch
            {
                KnownHeader.TE => "TE",
                _ => string.Concat(header.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + c : c.ToString())),
            };
            Assert.Equal(header, KnownHeaders.Match(Encoding.ASCII.GetBytes(name.ToUpperInvariant())));
            Assert.Equal(header, KnownHeaders.Match(Encoding.ASCII.GetBytes(name.ToLowerInvariant())));
        }

        Assert.Equal(KnownHeader.Unknown, KnownHeaders.Match("X-Host"u8));
        Assert.Equal(KnownHeader.Unknown, KnownHeaders.Match("Hosts"u8));
    }

    [Fact]
    public void Known_methods_are_classified_case_sensitively_and_named_without_allocating()
    {
        foreach (RequestMethod method in Enum.GetValues<RequestMethod>().Where(m => m != RequestMethod.Custom))
        {
            string name = RequestMethods.ToName(method)!;
            Assert.Equal(method, RequestMethods.Classify(Encoding.ASCII.GetBytes(name)));
            Assert.Equal(RequestMethod.Custom, RequestMethods.Classify(Encoding.ASCII.GetBytes(name.ToLowerInvariant())));
            Assert.Same(string.IsInterned(name), name);
        }

        Assert.Null(RequestMethods.ToName(RequestMethod.Custom));
    }

    [Theory]
    [InlineData("G\0T / HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData(" / HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("G@T / HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("GET ?a HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("GET / HTTP/1.1\rX\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("GET /\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("GET / HTTP/1.10\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestLine))]
    [InlineData("GET /a\u00e9 HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestTarget))]
    [InlineData("GET /a%00 HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestTarget))]
    [InlineData("CONNECT a/b HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestTarget))]
    [InlineData("GET http://x:y/ HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestTarget))]
    [InlineData("GET / HTTP/2.0\r\n\r\n", nameof(RequestRejectionReason.UnrecognizedHttpVersion))]
    [InlineData("GET / http/1.1\r\n\r\n", nameof(RequestRejectionReason.UnrecognizedHttpVersion))]
    [InlineData("\u0016\u0003\u0001\u0000\n", nameof(RequestRejectionReason.TlsOverHttp))]
    [InlineData("GET * HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.OptionsMethodRequired))]
    [InlineData("GET x:80 HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.ConnectMethodRequired))]
    [InlineData("GET / HTTP/1.1\r\nHost : x\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("GET / HTTP/1.1\r\n: x\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("GET / HTTP/1.1\r\nX\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("GET / HTTP/1.1\r\nX: a\r\n\rY\r\n", nameof(RequestRejectionReason.InvalidRequestHeadersNoCrlf))]
    [InlineData("GET / HTTP/1.1\r\nX\u00e9: a\r\n\r\n", nameof(RequestRejectionReason.InvalidCharactersInHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX\0: a\r\n\r\n", nameof(RequestRejectionReason.InvalidCharactersInHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX: a\0\r\n\r\n", nameof(RequestRejectionReason.MalformedRequestInvalidHeaders))]
    [InlineData("GET / HTTP/1.1\r\nX: \u00ff\r\n\r\n", nameof(RequestRejectionReason.MalformedRequestInvalidHeaders))]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", nameof(RequestRejectionReason.MultipleContentLengths))]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", nameof(RequestRejectionReason.InvalidContentLength))]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", nameof(RequestRejectionReason.InvalidContentLength))]
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", nameof(RequestRejectionReason.InvalidContentLength))]
    public void Rejects_malformed_heads_with_the_reason_Kestrel_gives(string request, string expected)
    {
        var (status, rejection, _, _) = RecordingHandler.Parse(request);
        Assert.Equal(Http1ParseStatus.Rejected, status);
        Assert.Equal(expected, rejection.ToString());
    }

    [Fact]
    public void A_request_line_longer_than_the_limit_is_414_once_the_limit_is_buffered()
    {
        var limits = Http1Limits.Default with { MaxRequestLineSize = 32 };
        string atLimit = "GET /" + new string('a', 32 - 16) + " HTTP/1.1\r\n";
        Assert.Equal(32, atLimit.Length);
        Assert.Equal(Http1ParseStatus.Complete, RecordingHandler.Parse(atLimit + "Host: x\r\n\r\n", limits).Status);

        string over = "GET /" + new string('a', 32 - 15) + " HTTP/1.1\r\n";
        var (status, rejection, _, _) = RecordingHandler.Parse(over + "Host: x\r\n\r\n", limits);
        Assert.Equal((Http1ParseStatus.Rejected, RequestRejectionReason.RequestLineTooLong), (status, rejection));
        Assert.Equal(414, rejection.StatusCode());

        // Fewer bytes than the limit without a line end: wait for more.
        Assert.Equal(Http1ParseStatus.Incomplete, RecordingHandler.Parse(over[..31], limits).Status);
        Assert.Equal(Http1ParseStatus.Rejected, RecordingHandler.Parse(over[..32], limits).Status);
    }

    [Fact]
    public void Headers_over_the_total_size_or_count_are_431()
    {
        var limits = Http1Limits.Default with { MaxRequestHeadersTotalSize = 40, MaxRequestHeaderCount = 3 };
        // 40 bytes of fields plus the final CRLF fit exactly.
        string fields = "X: " + new string('a', 35) + "\r\n";
        Assert.Equal(Http1ParseStatus.Complete, RecordingHandler.Parse("GET / HTTP/1.0\r\n" + fields + "\r\n", limits).Status);
        var (status, rejection, _, _) = RecordingHandler.Parse("GET / HTTP/1.0\r\nX: " + new string('a', 36) + "\r\n\r\n", limits);
        Assert.Equal((Http1ParseStatus.Rejected, RequestRejectionReason.HeadersExceedMaxTotalSize), (status, rejection));

        Assert.Equal(Http1ParseStatus.Complete, RecordingHandler.Parse("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).Status);
        (status, rejection, _, _) = RecordingHandler.Parse("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits);
        Assert.Equal((Http1ParseStatus.Rejected, RequestRejectionReason.TooManyHeaders), (status, rejection));
        Assert.Equal(431, rejection.StatusCode());
    }

    [Fact]
    public void An_incomplete_head_consumes_whole_lines_only_and_examines_everything()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nAcc");
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(Http1ParseStatus.Incomplete, parser.ParseRequestHead(ref handler, buffer, out SequencePosition consumed, out SequencePosition examined, out _));
        Assert.Equal("GET / HTTP/1.1\r\nHost: x\r\n".Length, buffer.Slice(buffer.Start, consumed).Length);
        Assert.Equal(buffer.End, examined);
        Assert.True(parser.IsParsingHeaders);
        Assert.Equal(RequestRejectionReason.MalformedRequestInvalidHeaders, parser.RejectionAtEndOfInput);

        // Resuming with the rest continues where it stopped.
        byte[] rest = Encoding.ASCII.GetBytes("ept: */*\r\n\r\n");
        buffer = new ReadOnlySequence<byte>([.. bytes.AsSpan((int)buffer.Slice(buffer.Start, consumed).Length), .. rest]);
        Assert.Equal(Http1ParseStatus.Complete, parser.ParseRequestHead(ref handler, buffer, out consumed, out examined, out _));
        Assert.Equal(consumed, examined);
        Assert.Equal(["Get GET / path=/ query= encoded=False Origin Http11", "Host Host=x", "Accept Accept=*/*"], handler.Calls);
    }

    [Fact]
    public void Blank_lines_before_a_request_are_skipped_and_leave_the_parser_pending()
    {
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var buffer = new ReadOnlySequence<byte>("\r\n\n\r\n"u8.ToArray());
        Assert.Equal(Http1ParseStatus.Incomplete, parser.ParseRequestHead(ref handler, buffer, out SequencePosition consumed, out _, out _));
        Assert.Equal(buffer.End, consumed);
        Assert.True(parser.IsRequestPending);
        Assert.Equal(RequestRejectionReason.None, parser.RejectionAtEndOfInput);
        Assert.Equal(Http1ParseStatus.Incomplete, parser.ParseRequestHead(ref handler, new ReadOnlySequence<byte>("GET / HT"u8.ToArray()), out _, out _, out _));
        Assert.Equal(RequestRejectionReason.InvalidRequestLine, parser.RejectionAtEndOfInput);
    }

    [Fact]
    public void The_wrk_request_gives_the_same_callbacks_split_at_every_position_and_byte_by_byte()
    {
        var whole = RecordingHandler.Parse(Wrk);
        Assert.Equal(Http1ParseStatus.Complete, whole.Status);
        for (int cut = 1; cut < Wrk.Length; cut++)
        {
            // One read with two segments.
            var (status, _, handler, consumed) = RecordingHandler.Parse(Wrk, null, cut);
            Assert.Equal(Http1ParseStatus.Complete, status);
            Assert.Equal(whole.Handler.Calls, handler.Calls);
            Assert.Equal(Wrk.Length, consumed);

            // Two reads: the first ends at the cut, the second resumes from what was consumed.
            Assert.Equal(whole.Handler.Calls, ParseInTwoReads(Wrk, cut));
        }

        var byByte = RecordingHandler.Parse(Wrk, null, Enumerable.Range(1, Wrk.Length - 1).ToArray());
        Assert.Equal(whole.Handler.Calls, byByte.Handler.Calls);
    }

    [Fact]
    public void Parsing_the_wrk_request_allocates_nothing()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Wrk);
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new FramingOnlyHandler();
        var buffer = new ReadOnlySequence<byte>(bytes);
        ParseOnce(ref parser, ref handler, buffer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ParseOnce(ref parser, ref handler, buffer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(handler.Framing.Decide(out Http1Framing framing) == RequestRejectionReason.None && framing.KeepAlive);

        static void ParseOnce(ref Http1RequestParser parser, ref FramingOnlyHandler handler, ReadOnlySequence<byte> buffer)
        {
            parser.Reset();
            Http1ParseStatus status = parser.ParseRequestHead(ref handler, buffer, out _, out _, out _);
            if (status != Http1ParseStatus.Complete || handler.Framing.Decide(out _) != RequestRejectionReason.None)
            {
                throw new InvalidOperationException("The wrk request did not parse.");
            }
        }
    }

    private static List<string> ParseInTwoReads(string request, int cut)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var first = new ReadOnlySequence<byte>(bytes, 0, cut);
        Http1ParseStatus status = parser.ParseRequestHead(ref handler, first, out SequencePosition consumed, out _, out _);
        Assert.Equal(Http1ParseStatus.Incomplete, status);
        int offset = (int)first.Slice(first.Start, consumed).Length;
        var second = new ReadOnlySequence<byte>(bytes, offset, bytes.Length - offset);
        Assert.Equal(Http1ParseStatus.Complete, parser.ParseRequestHead(ref handler, second, out _, out _, out _));
        return handler.Calls;
    }

    /// <summary>What a connection keeps on the common path: the framing state, no strings.</summary>
    private struct FramingOnlyHandler : IHttp1RequestHandler
    {
        public Http1RequestFraming Framing;

        public RequestRejectionReason OnRequestLine(in Http1RequestLine requestLine) => Framing.OnRequestLine(requestLine);

        public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Framing.OnHeader(header, value);
    }
}
