using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zokio.Http.Internal;

namespace Zokio.Http.Dashboard;

/// <summary>
/// Who may see the dashboard: clients on this machine (a loopback address, or no IP address at all: a Unix socket or
/// a named pipe), and everyone when remote clients are allowed. Others get 404, as if nothing were mapped there (as
/// <c>RequireHost</c> answers a host it does not match), and the first refusal is logged so the operator learns why.
/// </summary>
internal sealed class DashboardClients(bool allowRemote, ILogger logger)
{
    private int _loggedRefusal;

    /// <summary>True when <paramref name="client"/> is on this machine.</summary>
    public static bool IsLocal(IPAddress? client) =>
        client is null || IPAddress.IsLoopback(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);

    public bool Allow(HttpContext context) => allowRemote || IsLocal(context.Connection.RemoteIpAddress);

    public Task RefuseAsync(HttpContext context)
    {
        if (Interlocked.Exchange(ref _loggedRefusal, 1) == 0)
        {
            HttpLog.DashboardRefusedRemoteClient(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
