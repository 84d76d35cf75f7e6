namespace Zokio.Runtime.Tests;

/// <summary>Open file descriptors of this process, from /proc/self/fd.</summary>
public static class FdCount
{
    public static int Current() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>Waits (bounded) for the count to come back to <paramref name="expected"/>: closing runs on other threads.</summary>
    public static async Task AssertReturnsTo(int expected)
    {
        int current = Current();
        for (int i = 0; i < 200 && current > expected; i++)
        {
            await Task.Delay(10);
            current = Current();
        }

        Assert.True(current <= expected, $"{current - expected} file descriptor(s) left open: {current} now, {expected} before.");
    }
}
