using System.Buffers;
using System.Text;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

public sealed class Http1ResponseWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 14, 0, 32, TimeSpan.Zero);

    [Fact]
    public void Writes_status_line_date_server_and_length_then_the_blank_line()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new Http1ResponseWriter<ArrayBufferWriter<byte>>(ref output);
        writer.WriteStatusLine(200);
        writer.WriteDate(new DateHeaderCache(Now));
        writer.WriteServer();
        writer.WriteContentLength(13);
        writer.WriteHeader("Content-Type", "text/plain");
        writer.WriteConnectionClose();
        writer.EndHead();
        writer.Commit();
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 14:00:32 GMT\r\nServer: Zokio\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
            Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Writes_rejections_and_the_continue_interim_response_as_Kestrel()
    {
        var date = new DateHeaderCache(Now);
        Assert.Equal(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: Mon, 07 Dec 2026 14:00:32 GMT\r\nServer: Zokio\r\n\r\n",
            Write(w => w.WriteRejection(RequestRejectionReason.InvalidRequestHeader, date, addServerHeader: true)));
        Assert.Equal(
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\nAllow: OPTIONS\r\nDate: Mon, 07 Dec 2026 14:00:32 GMT\r\n\r\n",
            Write(w => w.WriteRejection(RequestRejectionReason.OptionsMethodRequired, date, addServerHeader: false)));
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", Write(w => w.WriteContinue()));
    }

    [Theory]
    [InlineData(404, null, "HTTP/1.1 404 Not Found\r\n")]
    [InlineData(431, null, "HTTP/1.1 431 Request Header Fields Too Large\r\n")]
    [InlineData(299, null, "HTTP/1.1 299 \r\n")]
    [InlineData(200, "Fine", "HTTP/1.1 200 Fine\r\n")]
    public void Status_lines_carry_the_standard_or_the_given_phrase(int status, string? phrase, string expected)
    {
        Assert.Equal(expected, Write(w => w.WriteStatusLine(status, phrase)));
    }

    [Fact]
    public void Chunk_framing_is_hex_sizes_and_a_last_chunk_with_trailers()
    {
        string written = Write(w =>
        {
            w.WriteChunkHeader(255);
            w.Write("x"u8);
            w.WriteChunkEnd();
            w.WriteLastChunk([new("Grpc-Status", "0"), new("X-Sum", "caf\u00e9")], name => name == "X-Sum" ? Encoding.Latin1 : null);
        });
        Assert.Equal("ff\r\nx\r\n0\r\nGrpc-Status: 0\r\nX-Sum: caf\u00e9\r\n\r\n", written);
        Assert.Equal("0\r\n\r\n", Write(w => w.WriteLastChunk()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(w => w.WriteChunkHeader(0)));
    }

    [Theory]
    [InlineData("a\r\nSet-Cookie: x")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\0b")]
    [InlineData("caf\u00e9")]
    [InlineData("\u0001")]
    public void Refuses_values_that_are_not_visible_ASCII_without_an_encoding(string value)
    {
        Assert.Throws<InvalidOperationException>(() => Write(w => w.WriteHeader("X", value)));
    }

    [Fact]
    public void With_an_encoding_selected_non_ASCII_is_written_and_control_characters_still_refused()
    {
        Assert.Equal("X: caf\u00e9\r\n", Write(w => w.WriteHeader("X", "caf\u00e9", Encoding.Latin1)));
        Assert.Equal("X: a\tb\r\n", Write(w => w.WriteHeader("X", "a\tb", Encoding.Latin1)));
        Assert.Throws<InvalidOperationException>(() => Write(w => w.WriteHeader("X", "a\r\nb", Encoding.UTF8)));
        Assert.Throws<InvalidOperationException>(() => Write(w => w.WriteHeader("X", "a\u007fb", Encoding.UTF8)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("X Y")]
    [InlineData("X:Y")]
    [InlineData("X\u00e9")]
    [InlineData("X\r\n")]
    public void Refuses_header_names_that_are_not_tokens(string name)
    {
        Assert.Throws<InvalidOperationException>(() => Write(w => w.WriteHeader(name, "v")));
    }

    [Fact]
    public void The_date_is_rebuilt_only_when_the_second_changes()
    {
        var date = new DateHeaderCache(Now);
        byte[] first = date.HeaderLine.ToArray();
        Assert.Equal("Mon, 07 Dec 2026 14:00:32 GMT", Encoding.ASCII.GetString(date.Value));
        date.Refresh(Now.AddMilliseconds(900));
        Assert.Equal(first, date.HeaderLine.ToArray());
        date.Refresh(Now.AddSeconds(1));
        Assert.Equal("Date: Mon, 07 Dec 2026 14:00:33 GMT\r\n", Encoding.ASCII.GetString(date.HeaderLine));
    }

    [Fact]
    public void Writes_through_an_output_that_hands_out_small_spans()
    {
        var output = new SmallSpanWriter();
        var writer = new Http1ResponseWriter<SmallSpanWriter>(ref output);
        writer.WriteStatusLine(200);
        writer.WriteHeader("X-Long", new string('v', 100));
        writer.WriteContentLength(long.MaxValue);
        writer.EndHead();
        writer.Commit();
        Assert.Equal("HTTP/1.1 200 OK\r\nX-Long: " + new string('v', 100) + "\r\nContent-Length: 9223372036854775807\r\n\r\n", Encoding.ASCII.GetString(output.Written.ToArray()));
    }

    [Fact]
    public void Writing_a_plaintext_response_head_allocates_nothing()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        var date = new DateHeaderCache(Now);
        WriteHead(ref output, date);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            output.ResetWrittenCount();
            WriteHead(ref output, date);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void WriteHead(ref ArrayBufferWriter<byte> output, DateHeaderCache date)
        {
            var writer = new Http1ResponseWriter<ArrayBufferWriter<byte>>(ref output);
            writer.WriteStatusLine(200);
            writer.WriteContentLength(13);
            writer.WriteHeader("Content-Type", "text/plain");
            writer.WriteDate(date);
            writer.WriteServer();
            writer.EndHead();
            writer.Commit();
        }
    }

    private static string Write(Action<Writer> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new Writer(output));
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    /// <summary>A lambda-friendly front for the ref struct writer: each call writes and commits.</summary>
    private sealed class Writer(ArrayBufferWriter<byte> output)
    {
        private ArrayBufferWriter<byte> _output = output;

        public void WriteStatusLine(int status, string? phrase = null) => Do((ref w) => w.WriteStatusLine(status, phrase));

        public void WriteHeader(string name, string value, Encoding? encoding = null) => Do((ref w) => w.WriteHeader(name, value, encoding));

        public void WriteChunkHeader(int length) => Do((ref w) => w.WriteChunkHeader(length));

        public void WriteChunkEnd() => Do((ref w) => w.WriteChunkEnd());

        public void WriteContinue() => Do((ref w) => w.WriteContinue());

        public void WriteRejection(RequestRejectionReason reason, DateHeaderCache date, bool addServerHeader) => Do((ref w) => w.WriteRejection(reason, date, addServerHeader));

        public void Write(ReadOnlySpan<byte> bytes)
        {
            var writer = new Http1ResponseWriter<ArrayBufferWriter<byte>>(ref _output);
            writer.Write(bytes);
            writer.Commit();
        }

        public void WriteLastChunk(IEnumerable<KeyValuePair<string, string>>? trailers = null, Func<string, Encoding?>? selector = null) => Do((ref w) => w.WriteLastChunk(trailers, selector));

        private void Do(WriterStep step)
        {
            var writer = new Http1ResponseWriter<ArrayBufferWriter<byte>>(ref _output);
            step(ref writer);
            writer.Commit();
        }

        private delegate void WriterStep(ref Http1ResponseWriter<ArrayBufferWriter<byte>> writer);
    }

    /// <summary>An output whose spans are exactly as large as asked, so every write past one span asks again.</summary>
    private struct SmallSpanWriter : IBufferWriter<byte>
    {
        private byte[]? _current;

        public SmallSpanWriter()
        {
            Written = new List<byte>();
        }

        public List<byte> Written { get; }

        public void Advance(int count) => Written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
