using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Zokio.Runtime.Diagnostics;

namespace Zokio.Http.Dashboard;

/// <summary>
/// Samples the loops once per interval while at least one page watches, keeps the last
/// <see cref="HistoryLength"/> samples for pages that open later, and fans each sample out to every watcher.
/// With no watcher there is no timer, no history and no request counting: the dashboard costs nothing unless someone
/// looks.
/// </summary>
internal sealed class DashboardSampler(DashboardSource source, TimeSpan interval)
{
    /// <summary>Five minutes of one-second samples: what the page's charts show.</summary>
    public const int HistoryLength = 300;

    // A watcher that falls behind loses its oldest samples rather than holding memory or slowing the others.
    private const int WatcherBacklog = 8;

    private readonly Lock _lock = new();
    private readonly List<Channel<string>> _watchers = [];
    private readonly Queue<string> _history = new();
    private string? _latest;
    private CancellationTokenSource? _sampling;

    /// <summary>True while a timer samples the loops (while at least one page watches).</summary>
    public bool IsSampling
    {
        get
        {
            lock (_lock)
            {
                return _sampling is not null;
            }
        }
    }

    /// <summary>
    /// The latest sample while a page watches (with rates and requests), else the loops' counters now (totals only).
    /// </summary>
    public string Snapshot()
    {
        lock (_lock)
        {
            if (_latest is not null)
            {
                return _latest;
            }
        }

        return Serialize(source.Describe(source.ReadLoops(), previous: null, requests: null, seconds: 0));
    }

    /// <summary>The samples kept so far as a JSON array, or one snapshot now when no page watches: what a page draws first.</summary>
    public string History()
    {
        lock (_lock)
        {
            if (_history.Count > 0)
            {
                return "[" + string.Join(',', _history) + "]";
            }
        }

        return "[" + Snapshot() + "]";
    }

    /// <summary>
    /// The event stream of one watcher: first a <c>history</c> event (a JSON array of the samples kept so far), then a
    /// <c>sample</c> event per interval, until <paramref name="cancellationToken"/> (the request) ends.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<string> watcher = Channel.CreateBounded<string>(new BoundedChannelOptions(WatcherBacklog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        string history;
        lock (_lock)
        {
            // Taken with the watcher added under one lock, so the stream has every sample once: none missed, none twice.
            history = "[" + string.Join(',', _history) + "]";
            _watchers.Add(watcher);
            if (_sampling is null)
            {
                _sampling = new CancellationTokenSource();
                CancellationToken token = _sampling.Token;
                // On the thread pool: the request that starts it may run on an event loop, which must not carry the timer.
                _ = Task.Run(() => SampleAsync(token), CancellationToken.None);
            }
        }

        try
        {
            yield return new SseItem<string>(history, "history");
            await foreach (string sample in watcher.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new SseItem<string>(sample, "sample");
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(watcher);
                if (_watchers.Count == 0 && _sampling is not null)
                {
                    _sampling.Cancel();
                    _sampling = null;
                    _history.Clear();
                    _latest = null;
                }
            }
        }
    }

    private static string Serialize(DashboardSnapshot snapshot) =>
        JsonSerializer.Serialize(snapshot, DashboardJsonContext.Default.DashboardSnapshot);

    private async Task SampleAsync(CancellationToken token)
    {
        using PeriodicTimer timer = new(interval);
        using RequestRecorder requests = source.RecordRequests();
        LoopSnapshot[]? previous = null;
        IReadOnlyList<RequestSeries.Counts>? previousRequests = null;
        long previousAt = 0;
        try
        {
            do
            {
                long now = Stopwatch.GetTimestamp();
                double seconds = Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
                LoopSnapshot[] loops = source.ReadLoops();
                IReadOnlyList<RequestSeries.Counts> counts = requests.Read();
                string json = Serialize(source.Describe(loops, previous, DashboardRequests.From(counts, previousRequests, seconds), seconds));
                lock (_lock)
                {
                    if (token.IsCancellationRequested)
                    {
                        return;
                    }

                    _history.Enqueue(json);
                    _latest = json;
                    if (_history.Count > HistoryLength)
                    {
                        _history.Dequeue();
                    }

                    foreach (Channel<string> watcher in _watchers)
                    {
                        watcher.Writer.TryWrite(json);
                    }
                }

                previous = loops;
                previousRequests = counts;
                previousAt = now;
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The last watcher left.
        }
        catch (Exception ex)
        {
            // Reading the loops failed (the app is stopping): end every stream with the error rather than leave it silent.
            lock (_lock)
            {
                foreach (Channel<string> watcher in _watchers)
                {
                    watcher.Writer.TryComplete(ex);
                }

                // The next page to open starts a new sampler instead of joining this dead one.
                if (_sampling?.Token == token)
                {
                    _sampling = null;
                    _history.Clear();
                    _latest = null;
                }
            }
        }
    }
}
