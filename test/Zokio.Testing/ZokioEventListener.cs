using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Zokio.Testing;

/// <summary>Records the "Zokio" event source's events at every level and keyword, as <c>dotnet-trace --providers Zokio</c> would.</summary>
public sealed class ZokioEventListener : EventListener
{
    private readonly ConcurrentQueue<EventWrittenEventArgs> _events = new();

    public IReadOnlyList<EventWrittenEventArgs> Events => [.. _events];

    /// <summary>The events named <paramref name="name"/> whose payload matches; waits (bounded) until there is one.</summary>
    public async Task<EventWrittenEventArgs> WaitForAsync(string name, Func<EventWrittenEventArgs, bool>? match = null)
    {
        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (true)
        {
            EventWrittenEventArgs? found = _events.FirstOrDefault(e => e.EventName == name && (match?.Invoke(e) ?? true));
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(5, timeout.Token);
        }
    }

    public static object? Payload(EventWrittenEventArgs e, string name) => e.Payload![e.PayloadNames!.IndexOf(name)];

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Zokio")
        {
            EnableEvents(eventSource, EventLevel.Verbose, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData) => _events.Enqueue(eventData);
}
