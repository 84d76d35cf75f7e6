using System.Runtime.CompilerServices;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The response: its features, the head written into the connection's output when the response starts (on the first
/// write or flush, <c>StartAsync</c>, or when the application returns), and its framing (Content-Length, chunked, or
/// the end of the connection for HTTP/1.0), chosen as Kestrel chooses it.
/// </summary>
internal abstract partial class Http1Connection : IHttpResponseFeature, IHttpResponseBodyFeature, IHttpUpgradeFeature
{
    private readonly Http1ResponseHeaders _responseHeaders;
    private readonly Stack<KeyValuePair<Func<object, Task>, object>> _onStarting = new();
    private readonly Stack<KeyValuePair<Func<object, Task>, object>> _onCompleted = new();
    private Stream _responseBodyStream = null!;
    private Stream? _responseBodyStreamOverride;
    private int _statusCode;
    private string? _reasonPhrase;
    private bool _hasStarted;
    private bool _responseKeepAlive;
    private bool _upgraded;
    private bool _upgradeCounted;
    private RequestRejectionReason _bodyRejection;

    /// <summary>How the response body is delimited on the wire.</summary>
    internal enum ResponseFraming : byte
    {
        /// <summary>No body may follow the head (HEAD, 1xx, 204, 304); writes are dropped (HEAD) or refused.</summary>
        NoBody,
        ContentLength,
        Chunked,
        /// <summary>HTTP/1.0 without Content-Length: the body ends with the connection.</summary>
        UntilClose,
    }

    internal bool HasStarted => _hasStarted;

    internal bool IsHeadRequest => ReferenceEquals(_method, HttpMethods.Head);

    /// <summary>The request body failed (bad framing, too large, cut short): the reason, for the answer.</summary>
    internal RequestRejectionReason BodyRejection
    {
        get => _bodyRejection;
        set => _bodyRejection = value;
    }

    private void ResetResponse()
    {
        _responseHeaders.Reset();
        _onStarting.Clear();
        _onCompleted.Clear();
        _responseBodyStreamOverride = null;
        _statusCode = StatusCodes.Status200OK;
        _reasonPhrase = null;
        _hasStarted = false;
        _responseKeepAlive = false;
        _bodyRejection = RequestRejectionReason.None;
        _responseBody.Reset();
    }

    // IHttpResponseFeature

    int IHttpResponseFeature.StatusCode
    {
        get => _statusCode;
        set
        {
            ThrowIfStarted(nameof(IHttpResponseFeature.StatusCode));
            if (value is < 100 or > 999)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A status code has three digits (100-999).");
            }

            _statusCode = value;
        }
    }

    string? IHttpResponseFeature.ReasonPhrase
    {
        get => _reasonPhrase;
        set
        {
            ThrowIfStarted(nameof(IHttpResponseFeature.ReasonPhrase));
            _reasonPhrase = value;
        }
    }

    IHeaderDictionary IHttpResponseFeature.Headers { get => _responseHeaders; set => throw new NotSupportedException("Zokio's server keeps its own response header dictionary; change its entries instead."); }

    Stream IHttpResponseFeature.Body { get => _responseBodyStreamOverride ?? _responseBodyStream; set => _responseBodyStreamOverride = value; }

    bool IHttpResponseFeature.HasStarted => _hasStarted;

    void IHttpResponseFeature.OnStarting(Func<object, Task> callback, object state)
    {
        if (_hasStarted)
        {
            throw new InvalidOperationException("OnStarting cannot be set because the response has already started.");
        }

        _onStarting.Push(new(callback, state));
    }

    void IHttpResponseFeature.OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Push(new(callback, state));

    // IHttpResponseBodyFeature

    Stream IHttpResponseBodyFeature.Stream => _responseBodyStream;

    PipeWriter IHttpResponseBodyFeature.Writer => _responseBody;

    void IHttpResponseBodyFeature.DisableBuffering()
    {
        // Every write is flushed already.
    }

    async Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken)
    {
        await StartResponseAsync(appCompleted: false).ConfigureAwait(false);
        await FlushPendingOutputAsync().ConfigureAwait(false);
    }

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        SendFileFallback.SendFileAsync(_responseBodyStream, path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync() => _responseBody.CompleteResponseAsync().AsTask();

    // IHttpUpgradeFeature

    bool IHttpUpgradeFeature.IsUpgradableRequest => _request.IsUpgrade;

    async Task<Stream> IHttpUpgradeFeature.UpgradeAsync()
    {
        if (!_request.IsUpgrade)
        {
            throw new InvalidOperationException("Cannot upgrade a non-upgradable request. Check IHttpUpgradeFeature.IsUpgradableRequest to determine if a request can be upgraded.");
        }

        if (_upgraded)
        {
            throw new InvalidOperationException("Upgrade cannot be called more than once.");
        }

        if (!_server.TryUpgrade())
        {
            throw new InvalidOperationException("Request cannot be upgraded because the server has already opened the maximum number of upgraded connections.");
        }

        _upgradeCounted = true;
        _upgraded = true;
        _statusCode = StatusCodes.Status101SwitchingProtocols;
        _reasonPhrase = "Switching Protocols";
        if (!_responseHeaders.ContainsKey(HeaderNames.Connection))
        {
            _responseHeaders[HeaderNames.Connection] = "Upgrade";
        }

        await StartResponseAsync(appCompleted: false).ConfigureAwait(false);
        await FlushPendingOutputAsync().ConfigureAwait(false);
        return new Http1UpgradedStream(this);
    }

    private void ThrowIfStarted(string what)
    {
        if (_hasStarted)
        {
            throw new InvalidOperationException($"{what} cannot be set because the response has already started.");
        }
    }

    /// <summary>
    /// Starts the response if it has not started: runs the OnStarting callbacks (last registered first), then writes the
    /// head into the output (not flushed). <paramref name="appCompleted"/>: nothing more will be written, so an empty
    /// response without Content-Length gets <c>Content-Length: 0</c> instead of chunked framing.
    /// </summary>
    internal ValueTask StartResponseAsync(bool appCompleted)
    {
        if (_hasStarted)
        {
            return default;
        }

        if (_onStarting.Count == 0)
        {
            WriteHead(appCompleted);
            return default;
        }

        return StartWithCallbacksAsync(appCompleted);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask StartWithCallbacksAsync(bool appCompleted)
    {
        while (_onStarting.TryPop(out KeyValuePair<Func<object, Task>, object> callback))
        {
            await callback.Key(callback.Value).ConfigureAwait(false);
        }

        if (!_hasStarted)
        {
            WriteHead(appCompleted);
        }
    }

    /// <summary>
    /// Ends the response after the application returned (or threw): starts it if needed, ends its body, and says
    /// whether the connection can carry another request.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FinishResponseAsync(Exception? error)
    {
        if (_upgraded)
        {
            return false;
        }

        try
        {
            if (error is not null)
            {
                if (_hasStarted)
                {
                    // Part of the response is gone already: as Kestrel, it is left unfinished (no last chunk, fewer
                    // bytes than its Content-Length) and the connection ends, which tells the client it is incomplete.
                    return false;
                }

                if (_bodyRejection != RequestRejectionReason.None)
                {
                    // The request body was bad: the answer is the rejection's, and the connection ends, as in Kestrel.
                    _responseBody.Reset();
                    await RejectAsync(_bodyRejection).ConfigureAwait(false);
                    return false;
                }

                // As Kestrel: an error before the response started becomes an empty 500.
                _responseHeaders.Clear();
                _statusCode = StatusCodes.Status500InternalServerError;
                _reasonPhrase = null;
                _responseBody.Reset();
                _responseHeaders.ContentLength = 0;
            }

            return await _responseBody.CompleteResponseAsync().ConfigureAwait(false) && _responseKeepAlive && !_outputClosed;
        }
        catch (Exception e) when (e is not (IOException or OperationCanceledException))
        {
            // An OnStarting callback or an invalid header failed while the response was being ended.
            ReportApplicationError(e);
            ((IHttpRequestLifetimeFeature)this).Abort();
            return false;
        }
    }

    /// <summary>
    /// The application declared a Content-Length and returned, before the response started, having written another
    /// number of bytes: as Kestrel, the response becomes an empty 500 and the connection closes.
    /// </summary>
    internal void OnContentLengthMismatchBeforeStart(long contentLength, long written)
    {
        ServerLog.ContentLengthMismatch(_server.Logger, _connection.ConnectionId, ((IHttpRequestIdentifierFeature)this).TraceIdentifier, contentLength, written);
        _responseHeaders.Clear();
        _responseHeaders.ContentLength = 0;
        _responseHeaders[HeaderNames.Connection] = "close";
        _statusCode = StatusCodes.Status500InternalServerError;
        _reasonPhrase = null;
    }

    internal long? DeclaredContentLength => _responseHeaders.ContentLength;

    internal bool ResponseCanHaveBody => !IsHeadRequest && _statusCode is >= 200 and not StatusCodes.Status204NoContent and not StatusCodes.Status304NotModified;

    private void ReportApplicationError(Exception error)
    {
        if (error is BadHttpRequestException && _bodyRejection != RequestRejectionReason.None)
        {
            // Bad request data is the client's fault and logged as such (ConnectionBadRequest).
            return;
        }

        ServerLog.ApplicationError(_server.Logger, _connection.ConnectionId, ((IHttpRequestIdentifierFeature)this).TraceIdentifier, error);
    }

    private bool HasOnCompleted => _onCompleted.Count > 0;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FireOnCompletedAsync()
    {
        while (_onCompleted.TryPop(out KeyValuePair<Func<object, Task>, object> callback))
        {
            try
            {
                await callback.Key(callback.Value).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ReportApplicationError(e);
            }
        }
    }

    /// <summary>Called when the connection ends: gives back its upgraded-connection slot.</summary>
    private void ReleaseUpgrade()
    {
        if (_upgradeCounted)
        {
            _upgradeCounted = false;
            _server.ReleaseUpgrade();
        }
    }
}
