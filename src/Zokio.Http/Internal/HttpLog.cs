using Microsoft.Extensions.Logging;

namespace Zokio.Http.Internal;

/// <summary>The HTTP layer's log messages, source-generated, with fixed event ids.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(1, LogLevel.Information, "Zokio is disabled (Zokio:Enabled=false); Kestrel's Sockets transport serves.", EventName = "Disabled")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(2, LogLevel.Warning, "Zokio has no event-loop backend on {OS} (it needs Linux with io_uring or epoll); Kestrel's Sockets transport serves.", EventName = "Unsupported")]
    public static partial void Unsupported(ILogger logger, string os);

    [LoggerMessage(3, LogLevel.Information, "Zokio's dashboard answered 404 to {Client}: it serves clients on this machine only. To serve others, map it with ZokioDashboardOptions.AllowRemoteClients = true and protect it (RequireAuthorization()).", EventName = "DashboardRefusedRemoteClient")]
    public static partial void DashboardRefusedRemoteClient(ILogger logger, string client);
}
