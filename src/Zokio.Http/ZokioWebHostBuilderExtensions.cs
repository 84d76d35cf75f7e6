using Microsoft.AspNetCore.Hosting;

namespace Zokio.Http;

/// <summary>The one-line switch: <c>builder.WebHost.UseZokio()</c>.</summary>
public static class ZokioWebHostBuilderExtensions
{
    /// <summary>
    /// Serves Kestrel's endpoints through Zokio's event loops. Zokio is added as one more transport, tried first; what
    /// it declines (an endpoint type it does not serve, an OS without a Zokio backend, <c>Zokio:Enabled=false</c>)
    /// falls back to Kestrel's Sockets transport. Options bind from the <c>Zokio</c> configuration section, then
    /// <paramref name="configure"/> runs, so code wins over configuration; they are validated when the host starts.
    /// Registers the same services as <see cref="ZokioServiceCollectionExtensions.AddZokio"/>, once however many times
    /// either is called.
    /// </summary>
    /// <param name="builder">The web host builder (<c>builder.WebHost</c> in a minimal API app).</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    public static IWebHostBuilder UseZokio(this IWebHostBuilder builder, Action<ZokioOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services => services.AddZokio(configure));
    }
}
