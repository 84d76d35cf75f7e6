using System.Collections;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The connection is the feature collection of its current request, as Kestrel's is: the server's own features are
/// this object (one slot each, which middleware may replace for the request), others that middleware sets live in a
/// short list cleared between requests, and anything else is asked of the connection's features (TLS, items, the
/// loop).
/// </summary>
internal abstract partial class Http1Connection :
    IFeatureCollection,
    IHttpRequestFeature,
    IHttpConnectionFeature,
    IHttpRequestLifetimeFeature,
    IHttpRequestIdentifierFeature,
    IHttpMaxRequestBodySizeFeature,
    IHttpBodyControlFeature,
    IHttpRequestBodyDetectionFeature,
    IRequestBodyPipeFeature,
    IHttpRequestTrailersFeature,
    IHttpMinRequestBodyDataRateFeature,
    IHttpMinResponseDataRateFeature
{
    /// <summary>The features this object implements, in slot order.</summary>
    private static readonly Type[] OwnFeatures =
    [
        typeof(IHttpRequestFeature),
        typeof(IHttpResponseFeature),
        typeof(IHttpResponseBodyFeature),
        typeof(IRequestBodyPipeFeature),
        typeof(IHttpConnectionFeature),
        typeof(IHttpRequestLifetimeFeature),
        typeof(IHttpRequestIdentifierFeature),
        typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpBodyControlFeature),
        typeof(IHttpRequestBodyDetectionFeature),
        typeof(IHttpUpgradeFeature),
        typeof(IHttpRequestTrailersFeature),
        typeof(IHttpMinRequestBodyDataRateFeature),
        typeof(IHttpMinResponseDataRateFeature),
    ];

    private readonly object?[] _features = new object?[OwnFeatures.Length];
    private readonly List<KeyValuePair<Type, object>> _otherFeatures = [];
    private int _revision;
    private string _scheme = "http";
    private string _requestScheme = "http";
    private string _pathBase = "";
    private long _requestCount;
    private string? _traceIdentifier;
    private CancellationTokenSource? _requestAborted;
    private CancellationToken? _requestAbortedOverride;
    private bool _aborted;
    private long? _maxRequestBodySize;
    private bool _allowSynchronousIO;
    private MinDataRate? _minRequestBodyDataRate;
    private MinDataRate? _minResponseDataRate;
    private Stream _ownRequestBodyStream = null!;
    private Stream _requestBodyStream = null!;
    private Stream? _requestBodyStreamSeenByReader;
    private PipeReader? _requestBodyStreamReader;

    private void InitializeFeatures()
    {
        _ownRequestBodyStream = new Http1RequestBodyStream(this, _requestBody);
        _requestBodyStream = _ownRequestBodyStream;
        _responseBodyStream = new Http1ResponseBodyStream(this, _responseBody);
        _scheme = _connection.Features.Get<ITlsConnectionFeature>() is null ? "http" : "https";
    }

    /// <summary>The connection's addresses, which middleware may change for one request (forwarded headers).</summary>
    private void ResetConnectionFeature()
    {
        (RemoteIpAddress, RemotePort) = _connection.RemoteEndPoint is IPEndPoint remote ? (remote.Address, remote.Port) : (null, 0);
        (LocalIpAddress, LocalPort) = _connection.LocalEndPoint is IPEndPoint local ? (local.Address, local.Port) : (null, 0);
    }

    /// <summary>Readies the features for the next request.</summary>
    private void ResetRequest()
    {
        for (int i = 0; i < _features.Length; i++)
        {
            _features[i] = this;
        }

        _otherFeatures.Clear();
        _revision++;
        _pathBase = "";
        _requestScheme = _scheme;
        ResetConnectionFeature();
        _requestHeaders.Reset();
        _requestTrailers?.Clear();
        _inTrailers = false;
        _traceIdentifier = null;
        _requestAbortedOverride = null;
        if (_requestAborted is not null && !_requestAborted.TryReset())
        {
            _requestAborted.Dispose();
            _requestAborted = null;
        }

        _maxRequestBodySize = _server.Limits.MaxRequestBodySize;
        _allowSynchronousIO = _server.AllowSynchronousIO;
        _minRequestBodyDataRate = _server.KestrelLimits.MinRequestBodyDataRate;
        _minResponseDataRate = _server.KestrelLimits.MinResponseDataRate;
        RequestBodyRate.Reset();
        ResponseRate.Reset();
        RequestBodyTooSlow = false;
        _requestBodyStream = _ownRequestBodyStream;
        ResetResponse();
        _requestCount++;
    }

    /// <summary>Cancels the request's token (the peer left, or the server aborts the connection).</summary>
    private void AbortRequest()
    {
        _aborted = true;
        try
        {
            _requestAborted?.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the application's threw; the request is aborted all the same.
        }
    }

    // IFeatureCollection

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _revision;

    object? IFeatureCollection.this[Type key]
    {
        get
        {
            Type[] own = OwnFeatures;
            for (int i = 0; i < own.Length; i++)
            {
                if (own[i] == key)
                {
                    return _features[i];
                }
            }

            foreach (KeyValuePair<Type, object> feature in _otherFeatures)
            {
                if (feature.Key == key)
                {
                    return feature.Value;
                }
            }

            return OwnFeatureOf(key) ?? _connection.Features[key];
        }

        set
        {
            _revision++;
            Type[] own = OwnFeatures;
            for (int i = 0; i < own.Length; i++)
            {
                if (own[i] == key)
                {
                    _features[i] = value;
                    return;
                }
            }

            for (int i = 0; i < _otherFeatures.Count; i++)
            {
                if (_otherFeatures[i].Key == key)
                {
                    if (value is null)
                    {
                        _otherFeatures.RemoveAt(i);
                    }
                    else
                    {
                        _otherFeatures[i] = new KeyValuePair<Type, object>(key, value);
                    }

                    return;
                }
            }

            if (value is not null)
            {
                _otherFeatures.Add(new KeyValuePair<Type, object>(key, value));
            }
        }
    }

    /// <summary>Features of the generic subclass (the host's context container).</summary>
    protected virtual object? OwnFeatureOf(Type key) => null;

    // The host and middleware ask by type parameter: the slot of a feature of this object's is found once per type (as
    // Kestrel's generated typeof comparisons do), not by turning typeof(TFeature) into a Type and searching (3.5 % of
    // the core on plaintext, with the casts around it).
    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default
    {
        int slot = FeatureSlot<TFeature>.Index;
        return slot >= 0 ? (TFeature?)_features[slot] : (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];
    }

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default
    {
        int slot = FeatureSlot<TFeature>.Index;
        if (slot >= 0)
        {
            _revision++;
            _features[slot] = instance;
            return;
        }

        ((IFeatureCollection)this)[typeof(TFeature)] = instance;
    }

    /// <summary>The slot of <typeparamref name="TFeature"/> among this object's own features, or -1.</summary>
    private static class FeatureSlot<TFeature>
    {
        public static readonly int Index = Array.IndexOf(OwnFeatures, typeof(TFeature));
    }

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator()
    {
        for (int i = 0; i < OwnFeatures.Length; i++)
        {
            if (_features[i] is { } feature)
            {
                yield return new KeyValuePair<Type, object>(OwnFeatures[i], feature);
            }
        }

        foreach (KeyValuePair<Type, object> feature in _otherFeatures)
        {
            yield return feature;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();

    // IHttpRequestFeature

    string IHttpRequestFeature.Protocol { get => _protocol; set => _protocol = value; }

    string IHttpRequestFeature.Scheme { get => _requestScheme; set => _requestScheme = value; }

    string IHttpRequestFeature.Method { get => _method; set => _method = value; }

    string IHttpRequestFeature.PathBase { get => _pathBase; set => _pathBase = value; }

    string IHttpRequestFeature.Path { get => _requestPath; set => _requestPath = value; }

    string IHttpRequestFeature.QueryString { get => _queryString; set => _queryString = value; }

    string IHttpRequestFeature.RawTarget { get => _rawTarget; set => _rawTarget = value; }

    IHeaderDictionary IHttpRequestFeature.Headers { get => _requestHeaders; set => throw new NotSupportedException("Zokio's server keeps its own request header dictionary; change its entries instead."); }

    Stream IHttpRequestFeature.Body { get => _requestBodyStream; set => _requestBodyStream = value; }

    // IRequestBodyPipeFeature

    PipeReader IRequestBodyPipeFeature.Reader
    {
        get
        {
            if (ReferenceEquals(_requestBodyStream, _ownRequestBodyStream))
            {
                return _requestBody;
            }

            // Middleware replaced the body stream (buffering, say): read through it.
            if (!ReferenceEquals(_requestBodyStreamSeenByReader, _requestBodyStream))
            {
                _requestBodyStreamSeenByReader = _requestBodyStream;
                _requestBodyStreamReader = PipeReader.Create(_requestBodyStream, new StreamPipeReaderOptions(leaveOpen: true));
            }

            return _requestBodyStreamReader!;
        }
    }

    // IHttpConnectionFeature

    string IHttpConnectionFeature.ConnectionId { get => _connection.ConnectionId; set => _connection.ConnectionId = value; }

    public IPAddress? RemoteIpAddress { get; set; }

    public IPAddress? LocalIpAddress { get; set; }

    public int RemotePort { get; set; }

    public int LocalPort { get; set; }

    // IHttpRequestLifetimeFeature

    CancellationToken IHttpRequestLifetimeFeature.RequestAborted
    {
        get
        {
            if (_requestAbortedOverride is { } token)
            {
                return token;
            }

            _requestAborted ??= new CancellationTokenSource();
            if (_aborted)
            {
                _requestAborted.Cancel();
            }

            return _requestAborted.Token;
        }

        set => _requestAbortedOverride = value;
    }

    void IHttpRequestLifetimeFeature.Abort()
    {
        // As Kestrel: the connection is aborted (reset), and the request's token is canceled.
        _outputClosed = true;
        _connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The application aborted the request."));
        AbortRequest();
    }

    // IHttpRequestIdentifierFeature

    string IHttpRequestIdentifierFeature.TraceIdentifier
    {
        // As Kestrel: the connection id and the request's number on it, made only when asked for.
        get => _traceIdentifier ??= string.Create(
            _connection.ConnectionId.Length + 9,
            (Connection: _connection.ConnectionId, Request: (uint)_requestCount),
            static (text, parts) =>
            {
                parts.Connection.CopyTo(text);
                text[parts.Connection.Length] = ':';
                parts.Request.TryFormat(text[(parts.Connection.Length + 1)..], out _, "X8", System.Globalization.CultureInfo.InvariantCulture);
            });
        set => _traceIdentifier = value;
    }

    // IHttpMaxRequestBodySizeFeature

    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => _requestBody.HasStartedReading || _upgraded;

    long? IHttpMaxRequestBodySizeFeature.MaxRequestBodySize
    {
        get => _maxRequestBodySize;
        set
        {
            if (_requestBody.HasStartedReading)
            {
                throw new InvalidOperationException("The maximum request body size cannot be modified after the app has already started reading from the request body.");
            }

            if (_upgraded)
            {
                throw new InvalidOperationException("The maximum request body size cannot be modified after the request has been upgraded.");
            }

            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Value must be null or a non-negative number.");
            }

            _maxRequestBodySize = value;
        }
    }

    internal long? MaxRequestBodySize => _maxRequestBodySize;

    // IHttpBodyControlFeature

    bool IHttpBodyControlFeature.AllowSynchronousIO { get => _allowSynchronousIO; set => _allowSynchronousIO = value; }

    internal bool AllowSynchronousIO => _allowSynchronousIO;

    // IHttpRequestBodyDetectionFeature

    bool IHttpRequestBodyDetectionFeature.CanHaveBody => _request.Body is Http1BodyKind.ContentLength or Http1BodyKind.Chunked;

    // IHttpRequestTrailersFeature

    bool IHttpRequestTrailersFeature.Available => _request.Body != Http1BodyKind.Chunked || _requestBody.IsComplete;

    IHeaderDictionary IHttpRequestTrailersFeature.Trailers
    {
        get
        {
            if (!((IHttpRequestTrailersFeature)this).Available)
            {
                throw new InvalidOperationException("The request trailers are not available yet. They may not be available until the full request body is read.");
            }

            return _requestTrailers ??= new HeaderDictionary();
        }
    }

    internal void BeginTrailers() => _inTrailers = true;

    // Data rates (Kestrel's features), enforced by the heartbeat (CheckTimeouts).

    MinDataRate? IHttpMinRequestBodyDataRateFeature.MinDataRate { get => _minRequestBodyDataRate; set => _minRequestBodyDataRate = value; }

    MinDataRate? IHttpMinResponseDataRateFeature.MinDataRate { get => _minResponseDataRate; set => _minResponseDataRate = value; }
}
