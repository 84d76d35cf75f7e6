using System.Diagnostics.Tracing;

namespace Zokio.Http.Tests;

/// <summary>
/// Follows the "Zokio" event source's hand-offs: counts loops handed off and recovered, and calls back on each hand-off
/// synchronously on the stall detector's thread (the moment a loop is handed off, before its successor thread starts)
/// with the label of the work that blocked it ("GET /block"). Lets a test order its own steps against the take-over.
/// </summary>
internal sealed class HandOffListener(Action<string>? onHandedOff = null) : EventListener
{
    private int _handedOff;
    private int _recovered;

    /// <summary>True when every loop handed off so far has recovered: no blocked thread is left to divert work.</summary>
    public bool AllRecovered => Volatile.Read(ref _recovered) == Volatile.Read(ref _handedOff);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Zokio")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "LoopHandedOff")
        {
            Interlocked.Increment(ref _handedOff);
            onHandedOff?.Invoke((string)eventData.Payload![eventData.PayloadNames!.IndexOf("label")]!);
        }
        else if (eventData.EventName == "LoopRecovered")
        {
            Interlocked.Increment(ref _recovered);
        }
    }
}
