namespace Zokio.Reliability.Tests;

/// <summary>Waits, bounded, for a value that other threads bring about (a counter going back down after closes).</summary>
internal static class Eventually
{
    public static async Task EqualsAsync<T>(T expected, Func<T> read, string what)
    {
        T current = read();
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        while (!EqualityComparer<T>.Default.Equals(current, expected) && !timeout.IsCancellationRequested)
        {
            await Task.Delay(20);
            current = read();
        }

        Assert.True(EqualityComparer<T>.Default.Equals(current, expected), $"{what} is {current}, expected {expected} within {ReliabilityHost.Timeout}.");
    }
}
