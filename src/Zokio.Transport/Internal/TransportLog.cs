using Microsoft.Extensions.Logging;

namespace Zokio.Transport.Internal;

/// <summary>The transport's log messages, source-generated, with the event ids and wording of Kestrel's Sockets transport where they match.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(6, LogLevel.Debug, @"Connection id ""{ConnectionId}"" received FIN.", EventName = "ConnectionReadFin", SkipEnabledCheck = false)]
    public static partial void ConnectionReadFin(ILogger logger, string connectionId);

    [LoggerMessage(7, LogLevel.Debug, @"Connection id ""{ConnectionId}"" sending FIN because: ""{Reason}""", EventName = "ConnectionWriteFin")]
    public static partial void ConnectionWriteFin(ILogger logger, string connectionId, string reason);

    [LoggerMessage(8, LogLevel.Debug, @"Connection id ""{ConnectionId}"" sending RST because: ""{Reason}""", EventName = "ConnectionWriteRst")]
    public static partial void ConnectionWriteRst(ILogger logger, string connectionId, string reason);

    [LoggerMessage(14, LogLevel.Debug, @"Connection id ""{ConnectionId}"" communication error.", EventName = "ConnectionError")]
    public static partial void ConnectionError(ILogger logger, string connectionId, Exception ex);

    [LoggerMessage(19, LogLevel.Debug, @"Connection id ""{ConnectionId}"" reset.", EventName = "ConnectionReset")]
    public static partial void ConnectionReset(ILogger logger, string connectionId);

    [LoggerMessage(4, LogLevel.Debug, @"Connection id ""{ConnectionId}"" paused.", EventName = "ConnectionPause")]
    public static partial void ConnectionPause(ILogger logger, string connectionId);

    [LoggerMessage(5, LogLevel.Debug, @"Connection id ""{ConnectionId}"" resumed.", EventName = "ConnectionResume")]
    public static partial void ConnectionResume(ILogger logger, string connectionId);

    [LoggerMessage(100, LogLevel.Error, @"Unexpected error in Zokio connection ""{ConnectionId}"".", EventName = "UnexpectedError")]
    public static partial void UnexpectedError(ILogger logger, string connectionId, Exception ex);

    [LoggerMessage(102, LogLevel.Debug, "Zokio listening on {EndPoint} with {ListenerCount} socket(s) across {LoopCount} loop(s) ({Backend}).", EventName = "Listening")]
    public static partial void Listening(ILogger logger, string endPoint, int listenerCount, int loopCount, string backend);
}
