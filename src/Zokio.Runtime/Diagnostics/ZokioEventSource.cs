using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;
using System.Net;
using System.Runtime.InteropServices;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Diagnostics;

/// <summary>
/// The <c>Zokio</c> event source, for <c>dotnet-trace collect --providers Zokio</c>: loops starting and stopping (with
/// their backend), stalls and hand-offs, accept failures, and, at Verbose level under <see cref="Keywords.Connections"/>,
/// every connection opening and closing.
/// </summary>
/// <remarks>Each event is a one-line call beside the matching log message; nothing is formatted unless a session listens.</remarks>
[EventSource(Name = SourceName)]
internal sealed class ZokioEventSource : EventSource
{
    public const string SourceName = "Zokio";

    public static readonly ZokioEventSource Log = new();

    private ZokioEventSource()
    {
    }

    /// <summary>Event groups, to enable with <c>--providers Zokio:0x2:5</c> (keywords, level).</summary>
    public static class Keywords
    {
        /// <summary>Loop life cycle, backend choice, stalls and hand-offs.</summary>
        public const EventKeywords Loops = (EventKeywords)0x1;

        /// <summary>Connections opening and closing (Verbose) and accept failures.</summary>
        public const EventKeywords Connections = (EventKeywords)0x2;
    }

    /// <summary>Every loop of a group that just started, with the backend it got.</summary>
    [NonEvent]
    public void GroupStarted(EventLoopGroup group)
    {
        if (IsEnabled(EventLevel.Informational, Keywords.Loops))
        {
            foreach (EventLoop loop in group.Loops)
            {
                LoopStarted(loop.Index, group.Backend.ToString(), loop.IoBackend.Description);
            }
        }
    }

    /// <summary>Every loop of a group that just stopped.</summary>
    [NonEvent]
    public void GroupStopped(EventLoopGroup group)
    {
        if (IsEnabled(EventLevel.Informational, Keywords.Loops))
        {
            foreach (EventLoop loop in group.Loops)
            {
                LoopStopped(loop.Index);
            }
        }
    }

    [NonEvent]
    public void ConnectionStart(string connectionId, int loopIndex, EndPoint? localEndPoint, EndPoint? remoteEndPoint)
    {
        if (IsEnabled(EventLevel.Verbose, Keywords.Connections))
        {
            ConnectionStart(connectionId, loopIndex, localEndPoint?.ToString() ?? "", remoteEndPoint?.ToString() ?? "");
        }
    }

    [NonEvent]
    public void AcceptFailed(EndPoint endPoint, int negativeErrno)
    {
        if (IsEnabled(EventLevel.Error, Keywords.Connections))
        {
            AcceptFailed(endPoint.ToString() ?? "", -negativeErrno, Marshal.GetPInvokeErrorMessage(-negativeErrno));
        }
    }

    [Event(1, Level = EventLevel.Informational, Keywords = Keywords.Loops, Message = "Loop {0} started on {1}: {2}")]
    public void LoopStarted(int loopIndex, string backend, string description) => Write(1, loopIndex, backend ?? "", description ?? "");

    [Event(2, Level = EventLevel.Informational, Keywords = Keywords.Loops, Message = "Loop {0} stopped")]
    public void LoopStopped(int loopIndex) => WriteEvent(2, loopIndex);

    [Event(3, Level = EventLevel.Warning, Keywords = Keywords.Loops, Message = "io_uring is unavailable, using epoll: {0}")]
    public void IoUringUnavailable(string reason) => WriteEvent(3, reason);

    [Event(4, Level = EventLevel.Warning, Keywords = Keywords.Loops, Message = "Loop {0} stalled for {1} ms by {2}")]
    public void LoopStalled(int loopIndex, long elapsedMs, string label) => Write(4, loopIndex, elapsedMs, label ?? "");

    [Event(5, Level = EventLevel.Warning, Keywords = Keywords.Loops, Message = "Loop {0} blocked for {1} ms by {2}: handed to a new thread")]
    public void LoopHandedOff(int loopIndex, long elapsedMs, string label) => Write(5, loopIndex, elapsedMs, label ?? "");

    [Event(6, Level = EventLevel.Informational, Keywords = Keywords.Loops, Message = "Loop {0} recovered from a hand-off")]
    public void LoopRecovered(int loopIndex) => WriteEvent(6, loopIndex);

    [Event(7, Level = EventLevel.Error, Keywords = Keywords.Connections, Message = "Accept failed on {0}: errno {1} ({2})")]
    public void AcceptFailed(string endPoint, int errno, string error) => Write(7, endPoint ?? "", errno, error ?? "");

    [Event(8, Level = EventLevel.Verbose, Keywords = Keywords.Connections, Message = "Connection {0} opened on loop {1}: {2} <- {3}")]
    public void ConnectionStart(string connectionId, int loopIndex, string localEndPoint, string remoteEndPoint) =>
        Write(8, connectionId ?? "", loopIndex, localEndPoint ?? "", remoteEndPoint ?? "");

    [Event(9, Level = EventLevel.Verbose, Keywords = Keywords.Connections, Message = "Connection {0} closed")]
    public void ConnectionStop(string connectionId)
    {
        if (IsEnabled(EventLevel.Verbose, Keywords.Connections))
        {
            WriteEvent(9, connectionId);
        }
    }

    // EventSource's typed WriteEvent overloads stop short of these payload shapes, and its params object[] one boxes and
    // is not trim-safe; WriteEventCore with stack-allocated descriptors is the documented way, and allocates nothing.
    // Its trim warning is about serializing object graphs, which primitive payloads never need.

    [NonEvent]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The payloads are strings and integers, which need no reflection.")]
    private unsafe void Write(int eventId, int a, string b, string c)
    {
        if (!IsEnabled())
        {
            return;
        }

        fixed (char* pb = b, pc = c)
        {
            EventData* data = stackalloc EventData[3];
            data[0] = Of(&a, sizeof(int));
            data[1] = Of(pb, b);
            data[2] = Of(pc, c);
            WriteEventCore(eventId, 3, data);
        }
    }

    [NonEvent]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The payloads are strings and integers, which need no reflection.")]
    private unsafe void Write(int eventId, int a, long b, string c)
    {
        if (!IsEnabled())
        {
            return;
        }

        fixed (char* pc = c)
        {
            EventData* data = stackalloc EventData[3];
            data[0] = Of(&a, sizeof(int));
            data[1] = Of(&b, sizeof(long));
            data[2] = Of(pc, c);
            WriteEventCore(eventId, 3, data);
        }
    }

    [NonEvent]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The payloads are strings and integers, which need no reflection.")]
    private unsafe void Write(int eventId, string a, int b, string c)
    {
        if (!IsEnabled())
        {
            return;
        }

        fixed (char* pa = a, pc = c)
        {
            EventData* data = stackalloc EventData[3];
            data[0] = Of(pa, a);
            data[1] = Of(&b, sizeof(int));
            data[2] = Of(pc, c);
            WriteEventCore(eventId, 3, data);
        }
    }

    [NonEvent]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The payloads are strings and integers, which need no reflection.")]
    private unsafe void Write(int eventId, string a, int b, string c, string d)
    {
        if (!IsEnabled())
        {
            return;
        }

        fixed (char* pa = a, pc = c, pd = d)
        {
            EventData* data = stackalloc EventData[4];
            data[0] = Of(pa, a);
            data[1] = Of(&b, sizeof(int));
            data[2] = Of(pc, c);
            data[3] = Of(pd, d);
            WriteEventCore(eventId, 4, data);
        }
    }

    private static unsafe EventData Of(void* value, int size) => new() { DataPointer = (nint)value, Size = size };

    // Strings go out with their NUL terminator (a fixed string has one).
    private static unsafe EventData Of(char* value, string text) => new() { DataPointer = (nint)value, Size = (text.Length + 1) * sizeof(char) };
}
