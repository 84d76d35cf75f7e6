namespace Zokio.Http;

/// <summary>How <see cref="ZokioDashboardEndpointRouteBuilderExtensions.MapZokioDashboard(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string, ZokioDashboardOptions?)"/> serves the dashboard.</summary>
public sealed class ZokioDashboardOptions
{
    /// <summary>
    /// Serves clients on other machines too; when false, the dashboard answers only clients on this machine (a loopback
    /// address, or a Unix socket) and anyone else gets 404, as if it were not mapped.
    /// </summary>
    /// <remarks>
    /// Defaults to false: the page shows the app's load, routes and internals. Before allowing remote clients protect the
    /// endpoints, for instance with <c>.RequireAuthorization()</c> on the builder the mapping returns. The client is
    /// <see cref="Microsoft.AspNetCore.Http.ConnectionInfo.RemoteIpAddress"/>: behind a reverse proxy on the same
    /// machine every request comes from loopback unless the app applies the proxy's forwarded headers
    /// (<c>UseForwardedHeaders</c>) first.
    /// </remarks>
    public bool AllowRemoteClients { get; set; }
}
