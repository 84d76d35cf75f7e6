using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Writes an HTTP/1.1 response head and chunk framing into an <see cref="IBufferWriter{T}"/> (the loop's send
/// buffers). Constant parts are pre-encoded; a header is validated before it is written (see
/// <see cref="ResponseHeaderValidation"/>). Writing is buffered in the span last obtained, so a head of many small
/// pieces costs few <c>GetSpan</c> calls; call <see cref="Commit"/> at the end.
/// </summary>
internal ref struct Http1ResponseWriter<TWriter>
    where TWriter : IBufferWriter<byte>
{
    private readonly ref TWriter _output;
    private Span<byte> _span;
    private int _buffered;

    public Http1ResponseWriter(ref TWriter output)
    {
        _output = ref output;
        _span = default;
        _buffered = 0;
    }

    public void WriteStatusLine(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A status code has three digits.");
        }

        Write(string.IsNullOrEmpty(reasonPhrase) ? ReasonPhrases.StatusLine(statusCode) : ReasonPhrases.StatusLine(statusCode, reasonPhrase));
    }

    public void WriteDate(DateHeaderCache date) => Write(date.HeaderLine);

    public void WriteServer() => Write("Server: Zokio\r\n"u8);

    public void WriteContentLength(long length)
    {
        Write("Content-Length: "u8);
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(length, digits, out int written);
        Write(digits[..written]);
        Write("\r\n"u8);
    }

    public void WriteTransferEncodingChunked() => Write("Transfer-Encoding: chunked\r\n"u8);

    public void WriteConnectionClose() => Write("Connection: close\r\n"u8);

    public void WriteConnectionKeepAlive() => Write("Connection: keep-alive\r\n"u8);

    /// <summary>
    /// One header line. <paramref name="encoding"/> is what the app's ResponseHeaderEncodingSelector returned for this
    /// header (null: ASCII only). Throws <see cref="InvalidOperationException"/> for an invalid name or value.
    /// </summary>
    public void WriteHeader(string name, string value, Encoding? encoding = null)
    {
        ResponseHeaderValidation.ValidateName(name);
        ResponseHeaderValidation.ValidateValue(value, encoding);
        WriteAscii(name);
        Write(": "u8);
        WriteValue(value, encoding);
    }

    /// <summary>
    /// One header line of a known name: <paramref name="nameLine"/> is the name and ": " already encoded. Throws
    /// <see cref="InvalidOperationException"/> for an invalid value.
    /// </summary>
    public void WriteHeader(ReadOnlySpan<byte> nameLine, string value, Encoding? encoding)
    {
        ResponseHeaderValidation.ValidateValue(value, encoding);
        Write(nameLine);
        WriteValue(value, encoding);
    }

    /// <summary>The interim response that lets an <c>Expect: 100-continue</c> client send its body.</summary>
    public void WriteContinue() => Write("HTTP/1.1 100 Continue\r\n\r\n"u8);

    /// <summary>
    /// The whole answer to a rejected request, as Kestrel writes it: the status, no body, <c>Connection: close</c>, an
    /// <c>Allow</c> header for a 405, then Date and (unless disabled) Server.
    /// </summary>
    public void WriteRejection(RequestRejectionReason reason, DateHeaderCache date, bool addServerHeader)
    {
        WriteStatusLine(reason.StatusCode());
        WriteContentLength(0);
        WriteConnectionClose();
        if (reason.AllowedMethod() is { } allowed)
        {
            Write("Allow: "u8);
            WriteAscii(allowed);
            Write("\r\n"u8);
        }

        WriteDate(date);
        if (addServerHeader)
        {
            WriteServer();
        }

        EndHead();
    }

    /// <summary>The blank line that ends the head.</summary>
    public void EndHead() => Write("\r\n"u8);

    /// <summary>chunk-size CRLF for a chunk of <paramref name="length"/> bytes (lower-case hex, no extensions).</summary>
    public void WriteChunkHeader(int length)
    {
        if (length <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A data chunk has at least one byte; the last chunk is WriteLastChunk.");
        }

        Span<byte> hex = stackalloc byte[8];
        Utf8Formatter.TryFormat((uint)length, hex, out int written, new StandardFormat('x'));
        Write(hex[..written]);
        Write("\r\n"u8);
    }

    /// <summary>The CRLF after a chunk's data.</summary>
    public void WriteChunkEnd() => Write("\r\n"u8);

    /// <summary>"0" CRLF, then each trailer field, then the final CRLF (RFC 9112 section 7.1).</summary>
    public void WriteLastChunk(IEnumerable<KeyValuePair<string, string>>? trailers = null, Func<string, Encoding?>? encodingSelector = null)
    {
        Write("0\r\n"u8);
        if (trailers is not null)
        {
            foreach (KeyValuePair<string, string> trailer in trailers)
            {
                WriteHeader(trailer.Key, trailer.Value, encodingSelector?.Invoke(trailer.Key));
            }
        }

        Write("\r\n"u8);
    }

    /// <summary>Hands what was written to the underlying writer.</summary>
    public void Commit()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
            _span = default;
        }
    }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_span[_buffered..]);
        _buffered += bytes.Length;
    }

    /// <summary>A checked header value and the CRLF that ends its line.</summary>
    private void WriteValue(string value, Encoding? encoding)
    {
        if (encoding is null)
        {
            WriteAscii(value);
        }
        else
        {
            int max = encoding.GetMaxByteCount(value.Length);
            Ensure(max);
            int written = encoding.GetBytes(value, _span[_buffered..]);
            _buffered += written;
        }

        Write("\r\n"u8);
    }

    private void WriteAscii(string text)
    {
        Ensure(text.Length);
        Ascii.FromUtf16(text, _span[_buffered..], out int written);
        _buffered += written;
    }

    private void Ensure(int count)
    {
        if (_span.Length - _buffered >= count)
        {
            return;
        }

        Commit();
        _span = _output.GetSpan(count);
    }
}
