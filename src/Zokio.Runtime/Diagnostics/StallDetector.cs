using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// Watches a group's loops for application work that runs past the threshold (a blocking handler, or sync-over-async
/// on the loop) and lets each loop react: report, and in adaptive mode hand its I/O to a new thread.
/// </summary>
internal sealed class StallDetector : IDisposable
{
    private readonly EventLoop[] _loops;
    private readonly long _thresholdMs;
    private readonly TimeSpan _period;
    private Timer? _timer;

    public StallDetector(EventLoop[] loops, TimeSpan threshold)
    {
        _loops = loops;
        _thresholdMs = (long)Math.Max(1, threshold.TotalMilliseconds);
        // Check four times per threshold, so a stall is caught within 1.25 thresholds.
        _period = TimeSpan.FromMilliseconds(Math.Max(1, _thresholdMs / 4));
    }

    public void Start()
    {
        // A Timer callback runs on the thread pool, which a blocked loop does not hold up.
        _timer = new Timer(static state => ((StallDetector)state!).Check(), this, _period, _period);
    }

    private void Check()
    {
        long now = Environment.TickCount64;
        foreach (EventLoop loop in _loops)
        {
            loop.CheckForStall(now, _thresholdMs);
        }
    }

    public void Dispose() => _timer?.Dispose();
}
