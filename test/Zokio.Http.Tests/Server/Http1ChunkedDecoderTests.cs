using System.Buffers;
using System.Text;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

public sealed class Http1ChunkedDecoderTests
{
    [Fact]
    public void Returns_chunk_data_as_slices_of_the_input_and_delivers_trailers()
    {
        var (status, body, trailers, rejection) = Decode("5\r\nhello\r\nA;ext=1;x\r\n0123456789\r\n0\r\nX-T: 1\r\nY:  two \r\n\r\nNEXT");
        Assert.Equal((ChunkedReadStatus.Complete, RequestRejectionReason.None), (status, rejection));
        Assert.Equal("hello0123456789", body);
        Assert.Equal(["Unknown X-T=1", "Unknown Y=two"], trailers);
    }

    [Fact]
    public void Gives_the_same_body_and_trailers_split_at_every_position()
    {
        const string Input = "3\r\nabc\r\n10;a=b\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n";
        var whole = Flatten(Decode(Input));
        for (int cut = 1; cut < Input.Length; cut++)
        {
            Assert.Equal(whole, Decode(Input, cut));
            Assert.Equal(whole, DecodeInTwoReads(Input, cut));
        }
    }

    [Theory]
    [InlineData("g\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData(" 5\r\nhello\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData("5 \r\nhello\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData("5\nhello\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData("0x5\r\nhello\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData("000000005\r\nhello\r\n", nameof(RequestRejectionReason.BadChunkSizeData))]
    [InlineData("80000000\r\n", nameof(RequestRejectionReason.ChunkSizeOverflow))]
    [InlineData("5\r\nhelloX\r\n", nameof(RequestRejectionReason.BadChunkSuffix))]
    [InlineData("5\r\nhello\n0\r\n\r\n", nameof(RequestRejectionReason.BadChunkSuffix))]
    [InlineData("5;a\nhello\r\n", nameof(RequestRejectionReason.BadChunkExtension))]
    [InlineData("5;a\rhello\r\n", nameof(RequestRejectionReason.BadChunkExtension))]
    [InlineData("0\r\nX: a\r\n b\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("0\r\nX a\r\n\r\n", nameof(RequestRejectionReason.InvalidRequestHeader))]
    [InlineData("0\r\nX: \u00ff\r\n\r\n", nameof(RequestRejectionReason.MalformedTrailerValue))]
    [InlineData("0\r\nX: a\0\r\n\r\n", nameof(RequestRejectionReason.MalformedTrailerValue))]
    public void Rejects_malformed_chunked_framing(string input, string expected)
    {
        var (status, _, _, rejection) = Decode(input);
        Assert.Equal(ChunkedReadStatus.Rejected, status);
        Assert.Equal(expected, rejection.ToString());
    }

    [Fact]
    public void Counts_framing_and_extension_bytes_against_the_body_size_limit()
    {
        // "5;ab\r\n" (6) + "hello" (5) + "\r\n" (2) = 13 bytes.
        Assert.Equal(ChunkedReadStatus.Complete, Decode("5;ab\r\nhello\r\n0\r\n\r\n", maxBodySize: 18).Status);
        var (status, _, _, rejection) = Decode("5;ab\r\nhello\r\n0\r\n\r\n", maxBodySize: 12);
        Assert.Equal((ChunkedReadStatus.Rejected, RequestRejectionReason.RequestBodyTooLarge), (status, rejection));
        (status, _, _, rejection) = Decode("1;" + new string('e', 100), maxBodySize: 50);
        Assert.Equal((ChunkedReadStatus.Rejected, RequestRejectionReason.RequestBodyTooLarge), (status, rejection));
    }

    [Fact]
    public void Trailers_share_the_header_count_left_by_the_head()
    {
        var limits = Http1Limits.Default with { MaxRequestHeaderCount = 2 };
        var parser = new Http1RequestParser(limits);
        var handler = new RecordingHandler();
        var head = new ReadOnlySequence<byte>("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray());
        Assert.Equal(Http1ParseStatus.Complete, parser.ParseRequestHead(ref handler, head, out _, out _, out _));
        var decoder = new Http1ChunkedDecoder(null);
        var body = new ReadOnlySequence<byte>("0\r\nT: 1\r\n\r\n"u8.ToArray());
        Assert.Equal(ChunkedReadStatus.Rejected, decoder.Read(ref handler, ref parser, body, out _, out _, out _, out RequestRejectionReason rejection));
        Assert.Equal(RequestRejectionReason.TooManyHeaders, rejection);
    }

    [Fact]
    public void Waits_for_the_whole_size_line_before_consuming_it()
    {
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var decoder = new Http1ChunkedDecoder(null);
        var buffer = new ReadOnlySequence<byte>("1A"u8.ToArray());
        Assert.Equal(ChunkedReadStatus.NeedMoreData, decoder.Read(ref handler, ref parser, buffer, out _, out SequencePosition consumed, out SequencePosition examined, out _));
        Assert.Equal(buffer.Start, consumed);
        Assert.Equal(buffer.End, examined);
    }

    private static (ChunkedReadStatus Status, string Body, string Trailers, RequestRejectionReason Rejection) Decode(string input, int cut) =>
        Flatten(Decode(input, [cut], null));

    private static (ChunkedReadStatus Status, string Body, List<string> Trailers, RequestRejectionReason Rejection) Decode(string input, long? maxBodySize = null) =>
        Decode(input, [], maxBodySize);

    private static (ChunkedReadStatus, string, string, RequestRejectionReason) Flatten((ChunkedReadStatus S, string B, List<string> T, RequestRejectionReason R) r) =>
        (r.S, r.B, string.Join("|", r.T), r.R);

    private static (ChunkedReadStatus Status, string Body, List<string> Trailers, RequestRejectionReason Rejection) Decode(string input, int[] cuts, long? maxBodySize)
    {
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var decoder = new Http1ChunkedDecoder(maxBodySize);
        ReadOnlySequence<byte> buffer = Segments.Create(Encoding.Latin1.GetBytes(input), cuts);
        var body = new StringBuilder();
        while (true)
        {
            ChunkedReadStatus status = decoder.Read(ref handler, ref parser, buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed, out _, out RequestRejectionReason rejection);
            body.Append(Encoding.Latin1.GetString(data.ToArray()));
            buffer = buffer.Slice(consumed);
            if (status != ChunkedReadStatus.Data)
            {
                return (status, body.ToString(), handler.Calls, rejection);
            }
        }
    }

    /// <summary>Two reads: the first sees the input up to the cut, the second everything not consumed plus the rest.</summary>
    private static (ChunkedReadStatus, string, string, RequestRejectionReason) DecodeInTwoReads(string input, int cut)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(input);
        var parser = new Http1RequestParser(Http1Limits.Default);
        var handler = new RecordingHandler();
        var decoder = new Http1ChunkedDecoder(null);
        var body = new StringBuilder();
        int position = 0;
        int available = cut;
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, position, available - position);
            ChunkedReadStatus status = decoder.Read(ref handler, ref parser, buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed, out _, out RequestRejectionReason rejection);
            body.Append(Encoding.Latin1.GetString(data.ToArray()));
            position += (int)buffer.Slice(buffer.Start, consumed).Length;
            if (status == ChunkedReadStatus.NeedMoreData && available < bytes.Length)
            {
                available = bytes.Length;
            }
            else if (status != ChunkedReadStatus.Data)
            {
                return (status, body.ToString(), string.Join("|", handler.Calls), rejection);
            }
        }
    }
}
