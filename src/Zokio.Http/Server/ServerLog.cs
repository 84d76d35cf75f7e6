using Microsoft.Extensions.Logging;

namespace Zokio.Http.Server;

/// <summary>What Zokio's server logs, under the category <c>Zokio.Http.Server</c>.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(100, LogLevel.Information, "{Endpoint}: HTTP/1.1 is served by Zokio's server{Rest}.", EventName = "EndpointServedByZokio")]
    public static partial void EndpointServedByZokio(ILogger logger, string endpoint, string rest);

    [LoggerMessage(101, LogLevel.Information, "{Endpoint}: served by Kestrel on Zokio's transport ({Reason}).", EventName = "EndpointServedByKestrel")]
    public static partial void EndpointServedByKestrel(ILogger logger, string endpoint, string reason);

    [LoggerMessage(102, LogLevel.Error, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": An unhandled exception was thrown by the application.", EventName = "ApplicationError")]
    public static partial void ApplicationError(ILogger logger, string connectionId, string traceIdentifier, Exception exception);

    [LoggerMessage(103, LogLevel.Debug, "Connection id \"{ConnectionId}\" bad request data: \"{Reason}\"", EventName = "ConnectionBadRequest")]
    public static partial void BadRequest(ILogger logger, string connectionId, Http1.RequestRejectionReason reason);

    [LoggerMessage(104, LogLevel.Error, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": the response's Content-Length is {ContentLength} but the application wrote {Written} bytes; the connection is aborted.", EventName = "ResponseContentLengthMismatch")]
    public static partial void ContentLengthMismatch(ILogger logger, string connectionId, string traceIdentifier, long contentLength, long written);

    [LoggerMessage(105, LogLevel.Debug, "Connection id \"{ConnectionId}\" timed out ({Reason}).", EventName = "ConnectionTimedOut")]
    public static partial void TimedOut(ILogger logger, string connectionId, string reason);

    [LoggerMessage(106, LogLevel.Error, "Connection id \"{ConnectionId}\": Zokio's server failed the connection.", EventName = "ConnectionFailed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);
}
