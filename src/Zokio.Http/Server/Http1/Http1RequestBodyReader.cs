using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The request body as a <see cref="PipeReader"/> (<c>Request.BodyReader</c>), read straight from the connection's
/// input: a Content-Length body is a slice of it, a chunked body is decoded in place (the data handed out are slices
/// between the chunk framing; what the application does not consume is given back to the decoder). Framing errors
/// reach the application as <see cref="BadHttpRequestException"/> with Kestrel's status, and the connection answers
/// them as Kestrel does.
/// </summary>
internal sealed class Http1RequestBodyReader(Http1Connection connection) : PipeReader
{
    private Http1Framing _framing;
    private long _remaining;
    private Http1ChunkedDecoder _decoder;
    private bool _started;
    private bool _complete;
    private bool _continueSent;
    private ReadOnlySequence<byte> _returned;
    private SequencePosition _afterReturned;
    // True while the application holds bytes of an input read, which AdvanceTo hands back to the input.
    private bool _holdingInput;

    public bool HasStartedReading => _started;

    public bool IsComplete => _complete;

    /// <summary>Readies the reader for the body of the request whose head was just parsed.</summary>
    public void Start(Http1Framing framing)
    {
        _framing = framing;
        _remaining = framing.Body == Http1BodyKind.ContentLength ? framing.ContentLength : 0;
        _started = false;
        _continueSent = false;
        _returned = default;
        _holdingInput = false;
        _complete = framing.Body is not (Http1BodyKind.ContentLength or Http1BodyKind.Chunked) || (framing.Body == Http1BodyKind.ContentLength && framing.ContentLength == 0);
    }

    public void OnConnectionClosed()
    {
        _returned = default;
        _complete = true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!_started)
        {
            return StartReadingAsync(cancellationToken);
        }

        if (_complete)
        {
            return new ValueTask<ReadResult>(new ReadResult(default, false, true));
        }

        return _framing.Body == Http1BodyKind.Chunked ? ReadChunkedAsync(cancellationToken) : ReadContentLengthAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_started && _complete)
        {
            result = new ReadResult(default, false, true);
            return true;
        }

        if (_started && _framing.Body == Http1BodyKind.ContentLength && connection.Input.TryRead(out ReadResult input))
        {
            if (!input.Buffer.IsEmpty)
            {
                result = TakeContentLength(input);
                return true;
            }

            connection.Input.AdvanceTo(input.Buffer.Start);
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_holdingInput)
        {
            return;
        }

        _holdingInput = false;
        long taken = _returned.Slice(_returned.Start, consumed).Length;
        connection.RequestBodyRate.Add(taken);
        if (_framing.Body == Http1BodyKind.Chunked)
        {
            long left = _returned.Length - taken;
            if (left == 0)
            {
                // Everything handed out was consumed: the input moves past the chunk framing that followed it.
                connection.Input.AdvanceTo(_afterReturned);
            }
            else
            {
                _decoder.Unread(left);
                connection.Input.AdvanceTo(consumed, examined);
            }
        }
        else
        {
            _remaining -= taken;
            connection.Input.AdvanceTo(consumed, examined);
            if (_remaining == 0)
            {
                _complete = true;
            }
        }

        _returned = default;
    }

    public override void CancelPendingRead() => connection.Input.CancelPendingRead();

    /// <summary>The application is done with the body; what it left is read (and dropped) after it returns.</summary>
    public override void Complete(Exception? exception = null)
    {
    }

    /// <summary>
    /// Reads what the application left of the body, so the next request starts after it. False when the body is bad
    /// (or the client gave up on it), and the connection must end.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ConsumeRestAsync()
    {
        if (!_started && _framing.ExpectContinue && !_complete)
        {
            // The client waits for 100 Continue before sending the body that was never asked for: nothing to drain.
            return false;
        }

        try
        {
            while (!_complete)
            {
                ReadResult result = await ReadAsync().ConfigureAwait(false);
                AdvanceTo(result.Buffer.End);
                if (result.IsCanceled)
                {
                    return false;
                }
            }

            return true;
        }
        catch (BadHttpRequestException)
        {
            return false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> StartReadingAsync(CancellationToken cancellationToken)
    {
        _started = true;
        long? max = connection.MaxRequestBodySize;
        RequestRejectionReason tooLarge = _framing.CheckBodySize(max);
        if (tooLarge != RequestRejectionReason.None)
        {
            _complete = true;
            Reject(tooLarge);
        }

        _decoder.Reset(max);
        if (_framing.ExpectContinue && !_continueSent && !connection.HasStarted && !_complete)
        {
            // RFC 9110 section 10.1.1: the client waits for this before sending the body.
            _continueSent = true;
            connection.Output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            connection.OutputWritten();
            await connection.FlushPendingOutputAsync().ConfigureAwait(false);
        }

        return await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadContentLengthAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult input = await WaitForInputAsync(cancellationToken).ConfigureAwait(false);
            if (input.IsCanceled)
            {
                connection.Input.AdvanceTo(input.Buffer.Start);
                if (connection.RequestBodyTooSlow)
                {
                    Reject(RequestRejectionReason.RequestBodyTimeout);
                }

                return new ReadResult(default, true, false);
            }

            if (!input.Buffer.IsEmpty)
            {
                return TakeContentLength(input);
            }

            connection.Input.AdvanceTo(input.Buffer.Start);
            if (input.IsCompleted)
            {
                Reject(RequestRejectionReason.UnexpectedEndOfRequestContent);
            }
        }
    }

    /// <summary>Reads the connection's input, timing the wait (if it has to wait) for MinRequestBodyDataRate.</summary>
    private ValueTask<ReadResult> WaitForInputAsync(CancellationToken cancellationToken)
    {
        ValueTask<ReadResult> read = connection.Input.ReadAsync(cancellationToken);
        return read.IsCompleted ? read : WaitAsync(read);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        async ValueTask<ReadResult> WaitAsync(ValueTask<ReadResult> read)
        {
            connection.RequestBodyRate.StartWaiting(connection.Now);
            try
            {
                return await read.ConfigureAwait(false);
            }
            finally
            {
                connection.RequestBodyRate.StopWaiting(connection.Now);
            }
        }
    }

    private ReadResult TakeContentLength(ReadResult input)
    {
        ReadOnlySequence<byte> buffer = input.Buffer;
        _returned = buffer.Length > _remaining ? buffer.Slice(0, _remaining) : buffer;
        _holdingInput = true;
        return new ReadResult(_returned, false, _returned.Length == _remaining);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult input = await WaitForInputAsync(cancellationToken).ConfigureAwait(false);
            if (input.IsCanceled)
            {
                connection.Input.AdvanceTo(input.Buffer.Start);
                if (connection.RequestBodyTooSlow)
                {
                    Reject(RequestRejectionReason.RequestBodyTimeout);
                }

                return new ReadResult(default, true, false);
            }

            var trailers = new Http1Connection.TrailerHandler(connection);
            ChunkedReadStatus status = _decoder.Read(ref trailers, ref connection.Parser, input.Buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined, out RequestRejectionReason rejection);
            switch (status)
            {
                case ChunkedReadStatus.Data:
                    _returned = data;
                    _afterReturned = consumed;
                    _holdingInput = true;
                    return new ReadResult(data, false, false);
                case ChunkedReadStatus.Complete:
                    connection.Input.AdvanceTo(consumed);
                    _complete = true;
                    return new ReadResult(default, false, true);
                case ChunkedReadStatus.Rejected:
                    connection.Input.AdvanceTo(consumed);
                    Reject(rejection);
                    break;
            }

            connection.Input.AdvanceTo(consumed, examined);
            if (input.IsCompleted)
            {
                Reject(RequestRejectionReason.UnexpectedEndOfRequestContent);
            }
        }
    }

    private void Reject(RequestRejectionReason reason)
    {
        _complete = true;
        connection.BodyRejection = reason;
        throw reason switch
        {
            // Kestrel lets these through as the exceptions its own code raised (see RequestRejection.StatusCode).
            RequestRejectionReason.ChunkSizeOverflow => new IOException("The chunk size of the request body overflowed."),
            RequestRejectionReason.MalformedTrailerValue => new InvalidOperationException("A trailer of the request body is not valid text."),
            _ => new BadHttpRequestException(reason.ToString(), reason.StatusCode()),
        };
    }
}
