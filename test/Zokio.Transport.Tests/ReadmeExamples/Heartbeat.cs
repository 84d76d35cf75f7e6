using Zokio.Runtime.Loops;

// A periodic timer on a loop: ticks every period from its creation, without drift, until canceled or disposed.
public static class Heartbeat
{
    public static async Task<int> RunAsync(EventLoop loop, TimeSpan period, int beats, CancellationToken stop = default)
    {
        using LoopPeriodicTimer timer = loop.CreatePeriodicTimer(period);
        int count = 0;
        while (count < beats && await timer.WaitForNextTickAsync(stop))
        {
            count++;
        }

        return count;
    }
}
