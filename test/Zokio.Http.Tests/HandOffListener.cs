using System.Diagnostics.Tracing;

namespace Zokio.Http.Tests;

/// <summary>
/// Calls back on the "Zokio" event source's LoopHandedOff event, synchronously on the stall detector's thread: the
/// moment a loop is handed off, before its successor thread starts, with the label of the work that blocked it
/// ("GET /block"). Lets a test order its own steps against the take-over.
/// </summary>
internal sealed class HandOffListener(Action<string> onHandedOff) : EventListener
{
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Zokio")
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "LoopHandedOff")
        {
            onHandedOff((string)eventData.Payload![eventData.PayloadNames!.IndexOf("label")]!);
        }
    }
}
