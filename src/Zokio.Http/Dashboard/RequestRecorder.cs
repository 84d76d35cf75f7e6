using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Zokio.Http.Dashboard;

/// <summary>
/// Counts the app's requests from ASP.NET Core's own <c>http.server.request.duration</c> histogram, so the figures are
/// the ones OpenTelemetry exports and hold whatever server runs the app. Listens only while it exists (the dashboard
/// creates one while a page watches): ASP.NET Core measures requests only while a listener enables the instrument.
/// </summary>
/// <remarks>
/// Memory is bounded: at most <c>maxRoutes</c> (method, route) pairs are tracked, each with <see cref="LatencyBuckets.Count"/>
/// counters; requests of any further pair count in one shared "other routes" series, and a pair idle for
/// <see cref="IdleReads"/> reads gives its place up. Counters only grow, so a reader takes differences between two reads
/// and a recording thread never waits for it.
/// </remarks>
internal sealed class RequestRecorder : IDisposable
{
    /// <summary>ASP.NET Core's hosting meter.</summary>
    public const string MeterName = "Microsoft.AspNetCore.Hosting";

    /// <summary>The histogram of request durations, in seconds, tagged with method, route and status code.</summary>
    public const string InstrumentName = "http.server.request.duration";

    /// <summary>Reads (one a second on the dashboard) without a request after which a route's place is freed.</summary>
    public const int IdleReads = 60;

    private readonly object? _scope;
    private readonly int _maxRoutes;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Method, string? Route), RequestSeries> _routes = new();
    private readonly RequestSeries _other = new(method: null, route: null);
    private readonly Lock _adding = new();
    private int _tracked;
    private long _reads;

    /// <param name="scope">
    /// The app's <see cref="IMeterFactory"/>: only its meter is heard, so apps sharing a process (tests) do not count
    /// each other's requests. Null hears every app.
    /// </param>
    /// <param name="maxRoutes">How many (method, route) pairs are tracked at most.</param>
    public RequestRecorder(object? scope, int maxRoutes)
    {
        _scope = scope;
        _maxRoutes = maxRoutes;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == InstrumentName && instrument.Meter.Name == MeterName && (_scope is null || ReferenceEquals(instrument.Meter.Scope, _scope)))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, state) => ((RequestRecorder)state!).Record(seconds, tags));
        _listener.Start();
    }

    /// <summary>Every tracked series' counters now, and the other routes' series; only one thread reads.</summary>
    public IReadOnlyList<RequestSeries.Counts> Read()
    {
        long read = ++_reads;
        List<RequestSeries.Counts> counts = new(_routes.Count + 1) { _other.Read() };
        foreach (KeyValuePair<(string Method, string? Route), RequestSeries> route in _routes)
        {
            RequestSeries.Counts now = route.Value.Read();
            if (now.Total != route.Value.LastTotal || route.Value.LastActiveRead == 0)
            {
                route.Value.LastTotal = now.Total;
                route.Value.LastActiveRead = read;
            }
            else if (read - route.Value.LastActiveRead >= IdleReads)
            {
                // Idle for a minute: its place goes to whichever route comes next. Leaving it out of this read loses
                // nothing: it counted nothing since the last one.
                lock (_adding)
                {
                    if (_routes.TryRemove(route.Key, out _))
                    {
                        _tracked--;
                    }
                }

                continue;
            }

            counts.Add(now);
        }

        return counts;
    }

    public void Dispose() => _listener.Dispose();

    internal void Record(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string method = "";
        string? route = null;
        int status = 0;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            switch (tag.Key)
            {
                case "http.request.method":
                    method = tag.Value as string ?? "";
                    break;
                case "http.route":
                    route = tag.Value as string;
                    break;
                case "http.response.status_code":
                    status = tag.Value is int code ? code : 0;
                    break;
            }
        }

        Find(method, route).Add(LatencyBuckets.IndexOf(seconds), status >= 500);
    }

    private RequestSeries Find(string method, string? route)
    {
        if (_routes.TryGetValue((method, route), out RequestSeries? series))
        {
            return series;
        }

        if (Volatile.Read(ref _tracked) >= _maxRoutes)
        {
            return _other;
        }

        lock (_adding)
        {
            if (_routes.TryGetValue((method, route), out series))
            {
                return series;
            }

            if (_tracked >= _maxRoutes)
            {
                return _other;
            }

            series = new RequestSeries(method, route);
            _routes[(method, route)] = series;
            _tracked++;
            return series;
        }
    }
}
