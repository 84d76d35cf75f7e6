using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

public sealed class Http1RequestFramingTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "None 0 keep-alive")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "None 0 close")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n", "None 0 close")]
    [InlineData("GET / HTTP/1.0\r\n\r\n", "None 0 close")]
    [InlineData("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "None 0 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", "ContentLength 12 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "None 0 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\n\r\n", "None 0 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", "Chunked 0 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", "Chunked 0 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "Chunked 0 close ignored-content-length")]
    [InlineData("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "Chunked 0 close")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", "Upgrade 0 keep-alive")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nContent-Length: 1\r\n\r\n", "ContentLength 1 keep-alive")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", "ContentLength 1 keep-alive expect-continue")]
    [InlineData("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "ContentLength 1 close")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "ContentLength 1 keep-alive")]
    [InlineData("GET http://x:80/ HTTP/1.1\r\nHost: x\r\n\r\n", "None 0 keep-alive")]
    [InlineData("GET http://x/ HTTP/1.1\r\nHost: x:80\r\n\r\n", "None 0 keep-alive")]
    [InlineData("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", "None 0 keep-alive")]
    public void Decides_body_framing_and_persistence(string request, string expected)
    {
        Http1Framing framing = Decide(request, out RequestRejectionReason rejection);
        Assert.Equal(RequestRejectionReason.None, rejection);
        string actual = $"{framing.Body} {framing.ContentLength} {(framing.KeepAlive ? "keep-alive" : "close")}"
            + (framing.ExpectContinue ? " expect-continue" : "")
            + (framing.IgnoredContentLength ? " ignored-content-length" : "");
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", nameof(RequestRejectionReason.MissingHostHeader))]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", nameof(RequestRejectionReason.MultipleHostHeaders))]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", nameof(RequestRejectionReason.InvalidHostHeader))]
    [InlineData("GET / HTTP/1.1\r\nHost: x:\r\n\r\n", nameof(RequestRejectionReason.InvalidHostHeader))]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", nameof(RequestRejectionReason.InvalidHostHeader))]
    [InlineData("GET http://y/ HTTP/1.1\r\nHost: x\r\n\r\n", nameof(RequestRejectionReason.InvalidHostHeader))]
    [InlineData("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n", nameof(RequestRejectionReason.InvalidHostHeader))]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", nameof(RequestRejectionReason.FinalTransferCodingNotChunked))]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n", nameof(RequestRejectionReason.FinalTransferCodingNotChunked))]
    [InlineData("POST / HTTP/1.0\r\n\r\n", nameof(RequestRejectionReason.LengthRequiredHttp10))]
    [InlineData("PUT / HTTP/1.0\r\n\r\n", nameof(RequestRejectionReason.LengthRequiredHttp10))]
    public void Rejects_what_cannot_be_framed_or_routed(string request, string expected)
    {
        Decide(request, out RequestRejectionReason rejection);
        Assert.Equal(expected, rejection.ToString());
        Assert.Equal(400, rejection.StatusCode());
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("example.com", true)]
    [InlineData("example.com:8080", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]", true)]
    [InlineData("[::1]:443", true)]
    [InlineData(":80", false)]
    [InlineData("x:", false)]
    [InlineData("x:8a", false)]
    [InlineData("a b", false)]
    [InlineData("u@x", false)]
    [InlineData("[::]", false)]
    [InlineData("[::1", false)]
    [InlineData("[::1]x", false)]
    public void Validates_host_values_as_Kestrel(string host, bool valid) =>
        Assert.Equal(valid, HostHeader.IsValid(System.Text.Encoding.ASCII.GetBytes(host)));

    [Fact]
    public void A_body_over_the_limit_is_413_when_declared_by_Content_Length()
    {
        Http1Framing framing = Decide("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", out _);
        Assert.Equal(RequestRejectionReason.RequestBodyTooLarge, framing.CheckBodySize(100));
        Assert.Equal(RequestRejectionReason.None, framing.CheckBodySize(101));
        Assert.Equal(RequestRejectionReason.None, framing.CheckBodySize(null));
        Assert.Equal(413, RequestRejectionReason.RequestBodyTooLarge.StatusCode());
    }

    [Theory]
    [InlineData("Keep-Alive", "keep-alive")]
    [InlineData("CLOSE", "close")]
    [InlineData("upgrade", "Upgrade")]
    [InlineData("foo, keep-alive", "keep-alive")]
    [InlineData("keep-alive, close", null)]
    [InlineData("foo", null)]
    public void Connection_naming_one_option_is_shown_in_its_interned_spelling(string value, string? expected)
    {
        var (_, _, handler, _) = RecordingHandler.Parse($"GET / HTTP/1.1\r\nHost: x\r\nConnection: {value}\r\n\r\n");
        Assert.Equal(expected, handler.Framing.CanonicalConnectionValue);
    }

    [Fact]
    public void Every_rejection_reason_has_the_status_Kestrel_answers_with()
    {
        var expected = new Dictionary<RequestRejectionReason, int>
        {
            [RequestRejectionReason.RequestLineTooLong] = 414,
            [RequestRejectionReason.UnrecognizedHttpVersion] = 505,
            [RequestRejectionReason.OptionsMethodRequired] = 405,
            [RequestRejectionReason.ConnectMethodRequired] = 405,
            [RequestRejectionReason.HeadersExceedMaxTotalSize] = 431,
            [RequestRejectionReason.TooManyHeaders] = 431,
            [RequestRejectionReason.RequestBodyTooLarge] = 413,
            [RequestRejectionReason.RequestHeadersTimeout] = 408,
            [RequestRejectionReason.RequestBodyTimeout] = 408,
            [RequestRejectionReason.ChunkSizeOverflow] = 500,
            [RequestRejectionReason.MalformedTrailerValue] = 500,
        };
        foreach (RequestRejectionReason reason in Enum.GetValues<RequestRejectionReason>().Where(r => r != RequestRejectionReason.None))
        {
            Assert.Equal(expected.GetValueOrDefault(reason, 400), reason.StatusCode());
            Assert.Equal(reason == RequestRejectionReason.UnexpectedEndOfRequestContent, reason.ClosesWithoutResponse());
        }

        Assert.Equal("OPTIONS", RequestRejectionReason.OptionsMethodRequired.AllowedMethod());
        Assert.Equal("CONNECT", RequestRejectionReason.ConnectMethodRequired.AllowedMethod());
        Assert.Throws<ArgumentOutOfRangeException>(() => RequestRejectionReason.None.StatusCode());
    }

    private static Http1Framing Decide(string request, out RequestRejectionReason rejection)
    {
        var (status, parseRejection, handler, _) = RecordingHandler.Parse(request);
        Assert.Equal(RequestRejectionReason.None, parseRejection);
        Assert.Equal(Http1ParseStatus.Complete, status);
        rejection = handler.Framing.Decide(out Http1Framing framing);
        return framing;
    }
}
