using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// One HTTP/1.1 connection of Zokio's server: it reads request heads straight from the connection's input, runs the
/// application, and writes responses into its output, request after request, on the thread that received the bytes
/// (the connection's loop, with <c>ApplicationScheduling</c> <c>Loop</c> or <c>Adaptive</c>). The object is also every
/// request's feature collection, reset between requests (see the other parts of this class), so a request costs the
/// server no allocation.
/// </summary>
internal abstract partial class Http1Connection
{
    private readonly Http1Server _server;
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http1RequestBodyReader _requestBody;
    private readonly Http1ResponseBodyWriter _responseBody;
    private Http1RequestParser _parser;
    private Http1RequestFraming _framing;
    private Http1Framing _request;
    private long _deadline = long.MaxValue;
    private volatile bool _timedOut;
    private volatile bool _closeRequested;
    private volatile bool _idle;
    private bool _outputPending;
    private bool _outputClosed;

    protected Http1Connection(Http1Server server, ConnectionContext connection)
    {
        _server = server;
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _parser = new Http1RequestParser(server.Limits);
        _requestHeaders = new Http1RequestHeaders { ValueEncodingSelector = server.RequestHeaderEncodingSelector };
        _requestBody = new Http1RequestBodyReader(this);
        _responseBody = new Http1ResponseBodyWriter(this);
        _responseHeaders = new Http1ResponseHeaders(server.ResponseHeaderEncodingSelector);
        InitializeFeatures();
    }

    internal PipeReader Input => _input;

    internal PipeWriter Output => _output;

    internal ref Http1RequestParser Parser => ref _parser;

    /// <summary>Serves requests until the connection ends; never throws for anything a peer does.</summary>
    public async Task ProcessRequestsAsync()
    {
        using CancellationTokenRegistration closeRequested = _connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } notification
            ? notification.ConnectionClosedRequested.Register(static state => ((Http1Connection)state!).OnCloseRequested(), this)
            : default;
        using CancellationTokenRegistration closed = _connection.ConnectionClosed.Register(static state => ((Http1Connection)state!).OnConnectionClosed(), this);
        try
        {
            while (await ReadRequestHeadAsync().ConfigureAwait(false) && await ProcessRequestAsync().ConfigureAwait(false))
            {
            }
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer or the server ended the connection; nothing is left to answer.
        }
        catch (Exception e)
        {
            ServerLog.ConnectionFailed(_server.Logger, _connection.ConnectionId, e);
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Which of the connection's timeouts has passed, if any; asked by the server's heartbeat.</summary>
    public ConnectionTimeout CheckTimeouts(long timestamp)
    {
        long frequency = _server.Time.TimestampFrequency;
        return timestamp > Volatile.Read(ref _deadline) ? ConnectionTimeout.Deadline
            : RequestBodyRate.IsTooSlow(timestamp, frequency, _minRequestBodyDataRate) ? ConnectionTimeout.RequestBodyTooSlow
            : ResponseRate.IsTooSlow(timestamp, frequency, _minResponseDataRate) ? ConnectionTimeout.ResponseTooSlow
            : ConnectionTimeout.None;
    }

    /// <summary>The heartbeat found a timeout passed: wake the read so the connection answers or closes, or abort.</summary>
    public void OnTimeout(ConnectionTimeout timeout)
    {
        switch (timeout)
        {
            case ConnectionTimeout.Deadline:
                Volatile.Write(ref _deadline, long.MaxValue);
                _timedOut = true;
                _input.CancelPendingRead();
                break;
            case ConnectionTimeout.RequestBodyTooSlow:
                // The body read wakes up canceled and fails the request with 408, as Kestrel's does.
                RequestBodyTooSlow = true;
                _input.CancelPendingRead();
                break;
            case ConnectionTimeout.ResponseTooSlow:
                ServerLog.TimedOut(_server.Logger, _connection.ConnectionId, "response data rate");
                ((Microsoft.AspNetCore.Http.Features.IHttpRequestLifetimeFeature)this).Abort();
                break;
        }
    }

    /// <summary>The heartbeat found the request body arriving below MinRequestBodyDataRate.</summary>
    internal volatile bool RequestBodyTooSlow;

    internal DataRateWatch RequestBodyRate { get; } = new();

    internal DataRateWatch ResponseRate { get; } = new();

    internal long Now => _server.Time.GetTimestamp();

    private void OnCloseRequested()
    {
        // Graceful shutdown: an idle connection closes now; a busy one closes after its response (Connection: close).
        _closeRequested = true;
        // Paired with the fence in ReadRequestHeadAsync: either this sees the connection idle, or it sees the request.
        Interlocked.MemoryBarrier();
        if (_idle)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>
    /// Reads and parses the next request head. False when the connection is to end: the peer closed between requests,
    /// a timeout, a graceful shutdown, or a rejected head (answered here).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadRequestHeadAsync()
    {
        _parser.Reset();
        _framing.Reset();
        ResetRequest();
        _timedOut = false;
        SetDeadline(_server.KestrelLimits.KeepAliveTimeout);
        _idle = true;
        Interlocked.MemoryBarrier();
        if (_closeRequested)
        {
            // Graceful shutdown asked for while the last request ran: no next one.
            return false;
        }

        while (true)
        {
            ValueTask<ReadResult> read = _input.ReadAsync();
            if (!read.IsCompleted && _outputPending)
            {
                // About to wait for the peer: whatever the last responses left in the output goes now. Pipelined
                // requests already here are answered first and their responses leave together. (Not TryRead: it
                // returns bytes already examined, and a head still incomplete would spin.)
                await FlushPendingOutputAsync().ConfigureAwait(false);
            }

            ReadResult result = await read.ConfigureAwait(false);

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (_idle && !buffer.IsEmpty)
            {
                _idle = false;
                SetDeadline(_server.KestrelLimits.RequestHeadersTimeout);
            }

            if (result.IsCanceled || _timedOut || (_closeRequested && _idle))
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (_timedOut)
                {
                    return await OnHeadTimeoutAsync().ConfigureAwait(false);
                }

                if (_closeRequested && _idle)
                {
                    return false;
                }

                continue;
            }

            var handler = new HeadHandler(this);
            Http1ParseStatus status = _parser.ParseRequestHead(ref handler, buffer, out SequencePosition consumed, out SequencePosition examined, out RequestRejectionReason rejection);
            _input.AdvanceTo(consumed, examined);
            switch (status)
            {
                case Http1ParseStatus.Complete:
                    ClearDeadline();
                    rejection = _framing.Decide(out _request);
                    if (rejection != RequestRejectionReason.None)
                    {
                        await RejectAsync(rejection).ConfigureAwait(false);
                        return false;
                    }

                    OnHeadComplete();
                    return true;

                case Http1ParseStatus.Rejected:
                    await RejectAsync(rejection).ConfigureAwait(false);
                    return false;
            }

            if (result.IsCompleted)
            {
                // The peer ended the stream: cleanly between requests, or in the middle of a head (a 400, as Kestrel).
                RequestRejectionReason atEnd = _parser.RejectionAtEndOfInput;
                if (atEnd != RequestRejectionReason.None)
                {
                    await RejectAsync(atEnd).ConfigureAwait(false);
                }

                return false;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> OnHeadTimeoutAsync()
    {
        _timedOut = false;
        ServerLog.TimedOut(_server.Logger, _connection.ConnectionId, _idle ? "keep-alive" : "request headers");
        if (!_idle)
        {
            // Kestrel answers a head that took longer than RequestHeadersTimeout with 408; an idle connection just closes.
            await RejectAsync(RequestRejectionReason.RequestHeadersTimeout).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>Runs one request whose head is parsed; true when the connection goes on to the next.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessRequestAsync()
    {
        Exception? error = null;
        try
        {
            await RunApplicationAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }

        if (error is not null)
        {
            ReportApplicationError(error);
        }

        bool keepAlive = await FinishResponseAsync(error).ConfigureAwait(false);
        if (HasOnCompleted)
        {
            await FireOnCompletedAsync().ConfigureAwait(false);
        }

        DisposeContext(error);
        if (keepAlive && !_upgraded && !_requestBody.IsComplete)
        {
            // The next request starts after this one's body: read what the application left of it.
            keepAlive = await _requestBody.ConsumeRestAsync().ConfigureAwait(false);
        }

        return keepAlive && !_upgraded && !_closeRequested;
    }

    /// <summary>Creates the application's context for this request and runs the application.</summary>
    protected abstract Task RunApplicationAsync();

    /// <summary>Disposes the application's context (the host logs the request and records its metrics there).</summary>
    protected abstract void DisposeContext(Exception? error);

    /// <summary>Answers a refused request as Kestrel does (status, no body, <c>Connection: close</c>) and ends the connection.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RejectAsync(RequestRejectionReason reason)
    {
        ServerLog.BadRequest(_server.Logger, _connection.ConnectionId, reason);
        if (reason.ClosesWithoutResponse() || _outputClosed)
        {
            return;
        }

        PipeWriter output = _output;
        var writer = new Http1ResponseWriter<PipeWriter>(ref output);
        writer.WriteRejection(reason, _server.Date, _server.AddServerHeader);
        writer.Commit();
        _outputPending = true;
        await FlushPendingOutputAsync().ConfigureAwait(false);
    }

    /// <summary>Sends what responses left in the output; notes a closed peer so no more is written.</summary>
    internal ValueTask FlushPendingOutputAsync()
    {
        if (!_outputPending || _outputClosed)
        {
            return default;
        }

        _outputPending = false;
        if (_output.CanGetUnflushedBytes)
        {
            ResponseRate.Add(_output.UnflushedBytes);
        }

        ValueTask<FlushResult> flush = _output.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            OnFlushed(flush.Result);
            return default;
        }

        return WaitForFlushAsync(flush);
    }

    /// <summary>
    /// The peer is not taking the bytes as fast as they come: this wait is what MinResponseDataRate measures.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WaitForFlushAsync(ValueTask<FlushResult> flush)
    {
        ResponseRate.StartWaiting(Now);
        try
        {
            OnFlushed(await flush.ConfigureAwait(false));
        }
        finally
        {
            ResponseRate.StopWaiting(Now);
        }
    }

    private void OnFlushed(FlushResult flushed)
    {
        if (flushed.IsCompleted || flushed.IsCanceled)
        {
            _outputClosed = true;
        }
    }

    /// <summary>
    /// The application wrote fewer bytes than its Content-Length: the connection ends (as on Kestrel) so the client
    /// sees the response cut short.
    /// </summary>
    internal void OnContentLengthMismatch(long contentLength, long written) =>
        ServerLog.ContentLengthMismatch(_server.Logger, _connection.ConnectionId, ((Microsoft.AspNetCore.Http.Features.IHttpRequestIdentifierFeature)this).TraceIdentifier, contentLength, written);

    /// <summary>Marks that the output holds bytes not yet flushed.</summary>
    internal void OutputWritten() => _outputPending = true;

    internal bool OutputClosed
    {
        get => _outputClosed;
        set => _outputClosed = value;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CloseAsync()
    {
        try
        {
            await FlushPendingOutputAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is gone; there is nobody to flush to.
        }

        ClearDeadline();
        ReleaseUpgrade();
        AbortRequest();
        _requestBody.OnConnectionClosed();
        _responseBody.OnConnectionClosed();
    }

    private void OnConnectionClosed() => AbortRequest();

    private void SetDeadline(TimeSpan timeout)
    {
        long ticks = timeout == Timeout.InfiniteTimeSpan || timeout == TimeSpan.MaxValue
            ? long.MaxValue
            : _server.Time.GetTimestamp() + (long)(timeout.TotalSeconds * _server.Time.TimestampFrequency);
        Volatile.Write(ref _deadline, ticks);
    }

    private void ClearDeadline() => Volatile.Write(ref _deadline, long.MaxValue);

    /// <summary>Receives the trailer fields of a chunked body (the chunked decoder is generic over it).</summary>
    internal readonly struct TrailerHandler(Http1Connection connection) : IHttp1HeaderHandler
    {
        public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            connection.BeginTrailers();
            return connection.OnHeader(header, name, value);
        }
    }

    /// <summary>Forwards the parser's callbacks to the connection without boxing (the parser is generic over it).</summary>
    private readonly struct HeadHandler(Http1Connection connection) : IHttp1RequestHandler
    {
        public RequestRejectionReason OnRequestLine(in Http1RequestLine requestLine) => connection.OnRequestLine(requestLine);

        public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => connection.OnHeader(header, name, value);
    }
}
