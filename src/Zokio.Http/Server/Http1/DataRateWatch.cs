using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Measures one direction of a request's data against a <see cref="MinDataRate"/>, as Kestrel does: time counts only
/// while the server waits on the peer (a body read pending, a flush held back by a full socket), bytes count as they
/// move, and after the grace period the average must stay at or above the minimum. The connection's thread starts and
/// stops the waits; the heartbeat asks <see cref="IsTooSlow"/> from its own thread, so the fields are read as they are
/// (a check one second late is the granularity Kestrel has too).
/// </summary>
internal sealed class DataRateWatch
{
    private long _waitingSince;
    private long _waitedTicks;
    private long _bytes;

    public void Reset()
    {
        Volatile.Write(ref _waitingSince, 0);
        _waitedTicks = 0;
        _bytes = 0;
    }

    /// <summary>The server starts waiting on the peer.</summary>
    public void StartWaiting(long timestamp) => Volatile.Write(ref _waitingSince, timestamp);

    /// <summary>The wait ended.</summary>
    public void StopWaiting(long timestamp)
    {
        long since = Volatile.Read(ref _waitingSince);
        if (since != 0)
        {
            Volatile.Write(ref _waitedTicks, _waitedTicks + (timestamp - since));
            Volatile.Write(ref _waitingSince, 0);
        }
    }

    /// <summary>Bytes moved in this direction.</summary>
    public void Add(long bytes) => Volatile.Write(ref _bytes, _bytes + bytes);

    /// <summary>True while waiting, once the time waited exceeds the grace period and the rate is below the minimum.</summary>
    public bool IsTooSlow(long timestamp, long frequency, MinDataRate? minimum)
    {
        long since = Volatile.Read(ref _waitingSince);
        if (minimum is null || since == 0)
        {
            return false;
        }

        double seconds = (Volatile.Read(ref _waitedTicks) + (timestamp - since)) / (double)frequency;
        return seconds > minimum.GracePeriod.TotalSeconds && Volatile.Read(ref _bytes) / seconds < minimum.BytesPerSecond;
    }
}
