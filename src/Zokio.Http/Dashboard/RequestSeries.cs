namespace Zokio.Http.Dashboard;

/// <summary>
/// The requests of one (method, route) pair since it was first seen: a latency histogram (<see cref="LatencyBuckets"/>)
/// and the count of 5xx answers. Recorded from any thread without a lock; counters only grow.
/// </summary>
internal sealed class RequestSeries(string? method, string? route)
{
    private readonly long[] _buckets = new long[LatencyBuckets.Count];
    private long _errors;

    /// <summary>The request method as ASP.NET Core tags it (<c>GET</c>, <c>_OTHER</c>); null for the series of all other routes.</summary>
    public string? Method { get; } = method;

    /// <summary>The matched route pattern; null when no endpoint matched (or for the other routes).</summary>
    public string? Route { get; } = route;

    /// <summary>The reader's bookkeeping: the total at its last read that saw it change, and that read's number.</summary>
    internal long LastTotal { get; set; }

    internal long LastActiveRead { get; set; }

    /// <summary>Counts one request that took the duration of <paramref name="bucket"/>.</summary>
    public void Add(int bucket, bool serverError)
    {
        Interlocked.Increment(ref _buckets[bucket]);
        if (serverError)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    /// <summary>A copy of the counters now.</summary>
    public Counts Read()
    {
        long[] buckets = new long[_buckets.Length];
        long total = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Volatile.Read(ref _buckets[i]);
            total += buckets[i];
        }

        return new Counts(this, buckets, total, Volatile.Read(ref _errors));
    }

    /// <summary>One read of a series: its bucket counts, their sum, and the 5xx count.</summary>
    internal sealed record Counts(RequestSeries Series, long[] Buckets, long Total, long Errors);
}
