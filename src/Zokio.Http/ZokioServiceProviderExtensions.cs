using Microsoft.Extensions.DependencyInjection;
using Zokio.Http.Internal;
using Zokio.Runtime.Loops;

namespace Zokio.Http;

/// <summary>Finds what Zokio runs in an app: <c>app.Services.GetZokioLoops()</c>.</summary>
public static class ZokioServiceProviderExtensions
{
    /// <summary>
    /// The event loops serving the app's endpoints, once Kestrel has bound one on Zokio (after <c>app.StartAsync()</c>);
    /// null before that, or when Kestrel's Sockets transport serves instead (<c>Zokio:Enabled=false</c>, an OS without
    /// a Zokio backend) or Zokio is not registered. Their <see cref="EventLoopGroup.Backend"/> is the backend in use
    /// (what <c>Backend=Auto</c> chose): what to log or report about the server.
    /// </summary>
    /// <remarks>
    /// Unlike resolving the <see cref="EventLoopGroup"/> service (the same group), this never starts the loops, so it
    /// tells whether Zokio serves at all.
    /// </remarks>
    /// <param name="services">The app's services (<c>app.Services</c>).</param>
    public static EventLoopGroup? GetZokioLoops(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<ZokioListenerFactory>()?.ServingLoops;
    }
}
