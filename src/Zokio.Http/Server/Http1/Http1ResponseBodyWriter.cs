using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using static Zokio.Http.Server.Http1.Http1Connection;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The response body as a <see cref="PipeWriter"/> (<c>Response.BodyWriter</c>): bytes go straight into the
/// connection's output with the response's framing. Before the response starts (the head may still change), bytes
/// written through <see cref="GetMemory"/> wait in a buffer of the connection's; they follow the head when it is
/// written. In chunked responses each <see cref="Advance"/> is one chunk, its size written in front with leading
/// zeros into room reserved by <see cref="GetMemory"/> (RFC 9112 section 7.1 allows them), so the data is not copied.
/// </summary>
internal sealed class Http1ResponseBodyWriter(Http1Connection connection) : PipeWriter
{
    // "ffff\r\n" in front of a chunk, "\r\n" after it.
    private const int ChunkPrefix = 6;
    private const int ChunkSuffix = 2;
    private const int MaxChunk = 0xffff;
    private const int KeptBufferSize = 64 * 1024;

    private State _state;
    private ResponseFraming _framing;
    private long? _contentLength;
    private long _written;
    private byte[] _buffer = [];
    private int _buffered;
    private Memory<byte> _chunk;

    private enum State : byte
    {
        NotStarted,
        Writing,
        Completed,
    }

    /// <summary>Bytes written before the response started.</summary>
    public int BufferedBytes => _buffered;

    public void Reset()
    {
        _state = State.NotStarted;
        _framing = ResponseFraming.NoBody;
        _contentLength = null;
        _written = 0;
        _buffered = 0;
        _chunk = default;
        if (_buffer.Length > KeptBufferSize)
        {
            _buffer = [];
        }
    }

    /// <summary>The head is in the output: the body follows, starting with what was buffered.</summary>
    public void OnHeadWritten(ResponseFraming framing, long? contentLength)
    {
        _framing = framing;
        _contentLength = contentLength;
        _state = State.Writing;
        int buffered = _buffered;
        _buffered = 0;
        if (buffered > 0)
        {
            Write(_buffer.AsSpan(0, buffered));
        }
    }

    public void OnConnectionClosed() => _buffer = [];

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfCompleted();
        sizeHint = Math.Max(sizeHint, 1);
        if (_state == State.NotStarted || _framing is ResponseFraming.NoBody)
        {
            // Before the head (kept), or for a body that is never sent (dropped).
            int start = _state == State.NotStarted ? _buffered : 0;
            if (_buffer.Length - start < sizeHint)
            {
                Array.Resize(ref _buffer, Math.Max(start + sizeHint, Math.Max(_buffer.Length * 2, 4096)));
            }

            return _buffer.AsMemory(start);
        }

        if (_framing == ResponseFraming.Chunked)
        {
            Memory<byte> memory = connection.Output.GetMemory(Math.Min(sizeHint, MaxChunk) + ChunkPrefix + ChunkSuffix);
            _chunk = memory[..Math.Min(memory.Length, MaxChunk + ChunkPrefix + ChunkSuffix)];
            return _chunk[ChunkPrefix..^ChunkSuffix];
        }

        return connection.Output.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>True: serializers (System.Text.Json) ask how much is buffered to decide when to flush.</summary>
    public override bool CanGetUnflushedBytes => true;

    /// <summary>The bytes written and not yet flushed: buffered before the head, or waiting in the connection's output.</summary>
    public override long UnflushedBytes =>
        _state == State.NotStarted ? _buffered : connection.Output.CanGetUnflushedBytes ? connection.Output.UnflushedBytes : 0;

    public override void Advance(int bytes)
    {
        ThrowIfCompleted();
        if (bytes == 0)
        {
            return;
        }

        if (_state == State.NotStarted)
        {
            // Counted when the head is written and these bytes follow it.
            _buffered += bytes;
            return;
        }

        CountWritten(bytes);
        switch (_framing)
        {
            case ResponseFraming.NoBody:
                break;
            case ResponseFraming.Chunked:
                Span<byte> chunk = _chunk.Span;
                Utf8Formatter.TryFormat((uint)bytes, chunk, out _, new StandardFormat('x', 4));
                "\r\n"u8.CopyTo(chunk[4..]);
                "\r\n"u8.CopyTo(chunk[(ChunkPrefix + bytes)..]);
                connection.Output.Advance(ChunkPrefix + bytes + ChunkSuffix);
                connection.OutputWritten();
                break;
            default:
                connection.Output.Advance(bytes);
                connection.OutputWritten();
                break;
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_state == State.NotStarted)
        {
            ValueTask start = connection.StartResponseAsync(appCompleted: false);
            if (!start.IsCompletedSuccessfully)
            {
                return StartAndWriteAsync(start, ReadOnlyMemory<byte>.Empty);
            }

            start.GetAwaiter().GetResult();
        }

        ValueTask flush = connection.FlushPendingOutputAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            return WaitForFlushAsync(flush);
        }

        flush.GetAwaiter().GetResult();
        return new ValueTask<FlushResult>(new FlushResult(false, connection.OutputClosed));
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (_state == State.NotStarted)
        {
            ValueTask start = connection.StartResponseAsync(appCompleted: false);
            if (!start.IsCompletedSuccessfully)
            {
                return StartAndWriteAsync(start, source);
            }

            start.GetAwaiter().GetResult();
        }

        Write(source.Span);
        return FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => connection.Output.CancelPendingFlush();

    /// <summary>The application completed the writer: the response ends when the application returns.</summary>
    public override void Complete(Exception? exception = null)
    {
    }

    /// <summary>
    /// Ends the response: starts it if needed, writes the last chunk, and checks the Content-Length. False when the response could not be ended properly and the connection must end.
    /// </summary>
    public ValueTask<bool> CompleteResponseAsync()
    {
        if (_state == State.Completed)
        {
            return new ValueTask<bool>(true);
        }

        if (_state == State.NotStarted)
        {
            if (connection.DeclaredContentLength is { } declared && declared != _buffered && connection.ResponseCanHaveBody)
            {
                connection.OnContentLengthMismatchBeforeStart(declared, _buffered);
                _buffered = 0;
            }

            ValueTask start = connection.StartResponseAsync(appCompleted: true);
            if (!start.IsCompletedSuccessfully)
            {
                return EndBodyAfterAsync(start);
            }

            start.GetAwaiter().GetResult();
        }

        return new ValueTask<bool>(EndBody());
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> EndBodyAfterAsync(ValueTask start)
    {
        await start.ConfigureAwait(false);
        return EndBody();
    }

    /// <summary>The last chunk, or the Content-Length check; false when the body fell short of its Content-Length.</summary>
    private bool EndBody()
    {
        _state = State.Completed;
        if (_framing == ResponseFraming.Chunked)
        {
            connection.Output.Write("0\r\n\r\n"u8);
            connection.OutputWritten();
        }
        else if (_framing == ResponseFraming.ContentLength && _written < _contentLength && !connection.IsHeadRequest)
        {
            connection.OnContentLengthMismatch(_contentLength.Value, _written);
            return false;
        }

        return true;
    }

    /// <summary>Writes <paramref name="source"/> as body bytes (one chunk when chunked), without flushing.</summary>
    private void Write(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return;
        }

        if (_state == State.NotStarted)
        {
            source.CopyTo(GetSpan(source.Length));
            Advance(source.Length);
            return;
        }

        CountWritten(source.Length);
        PipeWriter output = connection.Output;
        switch (_framing)
        {
            case ResponseFraming.NoBody:
                return;
            case ResponseFraming.Chunked:
                var writer = new Http1ResponseWriter<PipeWriter>(ref output);
                writer.WriteChunkHeader(source.Length);
                writer.Commit();
                output.Write(source);
                output.Write("\r\n"u8);
                break;
            default:
                output.Write(source);
                break;
        }

        connection.OutputWritten();
    }

    /// <summary>The response's OnStarting callbacks did not complete at once: write once they have.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> StartAndWriteAsync(ValueTask start, ReadOnlyMemory<byte> source)
    {
        await start.ConfigureAwait(false);
        Write(source.Span);
        await connection.FlushPendingOutputAsync().ConfigureAwait(false);
        return new FlushResult(false, connection.OutputClosed);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> WaitForFlushAsync(ValueTask flush)
    {
        await flush.ConfigureAwait(false);
        return new FlushResult(false, connection.OutputClosed);
    }

    private void CountWritten(int bytes)
    {
        _written += bytes;
        if (_contentLength is { } declared && _written > declared)
        {
            _written -= bytes;
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({_written + bytes} of {declared}).");
        }
    }

    private void ThrowIfCompleted()
    {
        if (_state == State.Completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the response was completed.");
        }
    }
}
