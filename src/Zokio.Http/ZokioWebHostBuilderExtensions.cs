using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Zokio.Http.Internal;
using Zokio.Transport;

namespace Zokio.Http;

/// <summary>The one-line switch: <c>builder.WebHost.UseZokio()</c>.</summary>
public static class ZokioWebHostBuilderExtensions
{
    /// <summary>
    /// Serves Kestrel's endpoints through Zokio's event loops. Zokio is added as one more transport, tried first; what
    /// it declines (an endpoint type it does not serve, an OS without a Zokio backend, <c>Zokio:Enabled=false</c>)
    /// falls back to Kestrel's Sockets transport. Options bind from the <c>Zokio</c> configuration section, then
    /// <paramref name="configure"/> runs; they are validated when the host starts.
    /// </summary>
    /// <param name="builder">The web host builder (<c>builder.WebHost</c> in a minimal API app).</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    public static IWebHostBuilder UseZokio(this IWebHostBuilder builder, Action<ZokioOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices((context, services) =>
        {
            if (configure is not null)
            {
                services.Configure(configure);
            }

            // Calling UseZokio twice (in code and through the hosting startup) registers Zokio once.
            if (services.Any(d => d.ServiceType == typeof(ZokioListenerFactory)))
            {
                return;
            }

            services.AddOptions<ZokioOptions>()
                .Bind(context.Configuration.GetSection(ZokioOptions.SectionName))
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZokioOptions>, ZokioOptionsValidator>());
            services.AddSingleton<ZokioListenerFactory>();
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<ZokioListenerFactory>());
            services.AddSingleton<IOptions<ZokioTransportOptions>>(sp => Options.Create<ZokioTransportOptions>(sp.GetRequiredService<IOptions<ZokioOptions>>().Value));
            services.AddTransient<IStartupFilter, RequestLabelStartupFilter>();
        });
    }
}
