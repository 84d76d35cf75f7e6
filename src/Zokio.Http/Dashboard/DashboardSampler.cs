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
/// With no watcher there is no timer and no history: the dashboard costs nothing unless someone looks.
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
                }
            }
        }
    }

    private async Task SampleAsync(CancellationToken token)
    {
        using PeriodicTimer timer = new(interval);
        LoopSnapshot[]? previous = null;
        long previousAt = 0;
        try
        {
            do
            {
                long now = Stopwatch.GetTimestamp();
                LoopSnapshot[] loops = source.ReadLoops();
                DashboardSnapshot snapshot = source.Describe(loops, previous, Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds);
                string json = JsonSerializer.Serialize(snapshot, DashboardJsonContext.Default.DashboardSnapshot);
                lock (_lock)
                {
                    if (token.IsCancellationRequested)
                    {
                        return;
                    }

                    _history.Enqueue(json);
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
                }
            }
        }
    }
}
