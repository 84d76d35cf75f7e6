namespace Zokio.Testing;

/// <summary>Waits, bounded, for what other threads bring about (a counter going back down after closes, a thread gone).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="read"/> until it returns <paramref name="expected"/>; fails naming <paramref name="what"/> after <see cref="Backends.Timeout"/>.</summary>
    public static async Task EqualsAsync<T>(T expected, Func<T> read, string what)
    {
        T current = read();
        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (!EqualityComparer<T>.Default.Equals(current, expected) && !timeout.IsCancellationRequested)
        {
            await Task.Delay(20);
            current = read();
        }

        Assert.True(EqualityComparer<T>.Default.Equals(current, expected), $"{what} is {current}, expected {expected} within {Backends.Timeout}.");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws when <paramref name="cancellationToken"/> fires first.</summary>
    public static async Task TrueAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="limit"/> passes, without failing: the caller asserts what it needs.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan limit)
    {
        using CancellationTokenSource timeout = new(limit);
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
