namespace Zokio.BenchClient;

/// <summary>Errors of one load run, counted from every connection's loop at once.</summary>
internal sealed class LoadErrors
{
    private long _connect;
    private long _read;
    private long _mismatch;
    private long _timeout;

    public long Connect => Volatile.Read(ref _connect);

    public long Read => Volatile.Read(ref _read);

    /// <summary>Wrong bytes came back; reported as <c>invalid</c>, as bench/wrk/report.lua reports rejected responses.</summary>
    public long Mismatch => Volatile.Read(ref _mismatch);

    public long Timeout => Volatile.Read(ref _timeout);

    public void ConnectFailed() => Interlocked.Increment(ref _connect);

    public void ReadFailed() => Interlocked.Increment(ref _read);

    public void Mismatched() => Interlocked.Increment(ref _mismatch);

    public void TimedOut() => Interlocked.Increment(ref _timeout);
}
