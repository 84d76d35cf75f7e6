using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// Watches a group's loops for application work that runs past the threshold (a blocking handler, or sync-over-async
/// on the loop) and lets each loop react: report, and in adaptive mode hand its I/O to a new thread.
/// </summary>
/// <remarks>
/// It runs on a thread of its own, not on a <see cref="Timer"/>: a timer's callback waits for a thread-pool thread, and
/// handlers that block on the thread pool (where a handed-off loop's application work goes) can leave none, just when
/// another loop blocks and needs handing off.
/// </remarks>
internal sealed class StallDetector : IDisposable
{
    private readonly EventLoop[] _loops;
    private readonly long _thresholdMs;
    private readonly TimeSpan _period;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly GcPauseHistory _gcPauses = new();
    private Thread? _thread;

    public StallDetector(EventLoop[] loops, TimeSpan threshold)
    {
        _loops = loops;
        _thresholdMs = (long)Math.Max(1, threshold.TotalMilliseconds);
        // Check four times per threshold, so a stall is caught within 1.25 thresholds.
        _period = TimeSpan.FromMilliseconds(Math.Max(1, _thresholdMs / 4));
    }

    public void Start()
    {
        // A first sample before any work runs, so work that starts before the first check has a pause to compare with.
        _gcPauses.Sample(Environment.TickCount64);
        _thread = new Thread(Run) { IsBackground = true, Name = "zokio-stall-detector" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stopping.Wait(_period))
        {
            long now = Environment.TickCount64;
            _gcPauses.Sample(now);
            foreach (EventLoop loop in _loops)
            {
                loop.CheckForStall(now, _thresholdMs, _gcPauses);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        _thread?.Join();
        _stopping.Dispose();
    }
}
