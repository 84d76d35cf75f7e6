using Microsoft.Extensions.Logging;

namespace Zokio.Runtime.Diagnostics;

/// <summary>The runtime's log messages, source-generated, with fixed event ids.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Information, "Zokio started {LoopCount} event loop(s) on {Backend}: {Description}.", EventName = "LoopsStarted")]
    public static partial void LoopsStarted(ILogger logger, int loopCount, Loops.LoopBackendKind backend, string description);

    [LoggerMessage(2, LogLevel.Warning, "Zokio is using epoll because io_uring is unavailable: {Reason}.", EventName = "IoUringUnavailable")]
    public static partial void IoUringUnavailable(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Zokio event loop {LoopIndex} has been running application work ({Label}) for {ElapsedMs} ms; every connection on this loop waits. Use ApplicationScheduling=Adaptive or ThreadPool for blocking code.", EventName = "LoopStalled")]
    public static partial void LoopStalled(ILogger logger, int loopIndex, long elapsedMs, string label);

    [LoggerMessage(4, LogLevel.Warning, "Zokio event loop {LoopIndex} was blocked by application work ({Label}) for {ElapsedMs} ms ({Wait}); a new thread took over its I/O and its application work runs on the thread pool until the blocking call returns.", EventName = "LoopHandedOff")]
    public static partial void LoopHandedOff(ILogger logger, int loopIndex, long elapsedMs, string label, string wait);

    [LoggerMessage(5, LogLevel.Information, "Zokio event loop {LoopIndex}: the blocking application work returned; application work runs on the loop again.", EventName = "LoopRecovered")]
    public static partial void LoopRecovered(ILogger logger, int loopIndex);

    [LoggerMessage(6, LogLevel.Critical, "Zokio event loop {LoopIndex} failed; the process will stop.", EventName = "LoopFailed")]
    public static partial void LoopFailed(ILogger logger, int loopIndex, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Zokio memory pool of loop {LoopIndex} was disposed with {Outstanding} block(s) never returned.{Report}", EventName = "MemoryLeaked")]
    public static partial void MemoryLeaked(ILogger logger, int loopIndex, long outstanding, string report);

    [LoggerMessage(8, LogLevel.Error, "Zokio event loop {LoopIndex} could not hand its I/O to a new thread; it stays blocked until the application work returns.", EventName = "HandOffFailed")]
    public static partial void HandOffFailed(ILogger logger, int loopIndex, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "Zokio event loop {LoopIndex} had stopped; work queued for it afterwards failed.", EventName = "WorkAfterStopFailed")]
    public static partial void WorkAfterStopFailed(ILogger logger, int loopIndex, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Zokio event loop {LoopIndex}: a work item threw; the loop goes on.", EventName = "WorkItemFailed")]
    public static partial void WorkItemFailed(ILogger logger, int loopIndex, Exception exception);

    [LoggerMessage(11, LogLevel.Error, "Zokio failed to accept a connection on {EndPoint}; retrying in {DelayMs} ms.", EventName = "AcceptFailed")]
    public static partial void AcceptFailed(ILogger logger, string endPoint, int delayMs, Exception exception);

    [LoggerMessage(12, LogLevel.Error, "Zokio could not set up a connection accepted on {EndPoint}; it was closed and accepting goes on.", EventName = "AcceptedConnectionFailed")]
    public static partial void AcceptedConnectionFailed(ILogger logger, string endPoint, Exception exception);
}
