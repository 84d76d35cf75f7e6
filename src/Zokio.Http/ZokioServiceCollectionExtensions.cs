using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Http.Internal;
using Zokio.Runtime.Loops;
using Zokio.Transport;

namespace Zokio.Http;

/// <summary>Registers Zokio on an <see cref="IServiceCollection"/>: <c>builder.Services.AddZokio()</c>.</summary>
public static class ZokioServiceCollectionExtensions
{
    /// <summary>
    /// Serves Kestrel's endpoints through Zokio's event loops, for apps that configure services rather than the web
    /// host; the same as <see cref="ZokioWebHostBuilderExtensions.UseZokio"/>. Zokio is added as one more transport,
    /// tried first; what it declines (an endpoint type it does not serve, an OS without a Zokio backend,
    /// <c>Zokio:Enabled=false</c>) falls back to Kestrel's Sockets transport. Options bind from the <c>Zokio</c>
    /// configuration section, then <paramref name="configure"/> runs, so code wins over configuration; they are
    /// validated when the host starts. Calling this (or <c>UseZokio</c>) again adds only the callback.
    /// </summary>
    /// <remarks>
    /// The app gets one set of event loops, started on first use: the transport serves on it, and the services
    /// <see cref="EventLoopGroup"/> (for <c>Spawn</c>, timers, files) and <see cref="ZokioConnectionFactory"/> (outbound
    /// connections) resolve to it, so an app that serves and connects out runs <c>LoopCount</c> loop threads, not twice
    /// as many.
    /// </remarks>
    /// <param name="services">The app's services (<c>builder.Services</c>).</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    public static IServiceCollection AddZokio(this IServiceCollection services, Action<ZokioOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(ZokioListenerFactory)))
        {
            AddSocketsFallback(services);

            // Registered before any callback, so every UseZokio/AddZokio callback runs after binding (options run their
            // configure steps in registration order).
            services.AddOptions<ZokioOptions>()
                .Configure<IConfiguration>(ZokioOptionsBinding.Bind)
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZokioOptions>, ZokioOptionsValidator>());
            services.TryAddSingleton(PlatformSupport.Current);
            // One group of loops per app, whoever needs it: the transport, outbound connections, application code.
            services.AddSingleton<ZokioLoops>();
            services.AddSingleton(sp => sp.GetRequiredService<ZokioLoops>().Group);
            services.AddSingleton(sp => new ZokioConnectionFactory(
                sp.GetRequiredService<EventLoopGroup>(), sp.GetRequiredService<IOptions<ZokioTransportOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<ZokioListenerFactory>();
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<ZokioListenerFactory>());
            services.AddSingleton<IOptions<ZokioTransportOptions>>(sp => Options.Create<ZokioTransportOptions>(sp.GetRequiredService<IOptions<ZokioOptions>>().Value));
            services.AddTransient<IStartupFilter, RequestLabelStartupFilter>();
            Server.ServerRegistration.Add(services);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Makes sure Kestrel's Sockets transport is there to take what Zokio declines. Kestrel registers it with
    /// <c>TryAdd</c>, so when Zokio is registered first (the hosting-startup assembly runs before Kestrel's own
    /// registration) it would never be added and Kestrel would find no transport for a declined endpoint. Kestrel asks
    /// the last-registered factory first, so the fallback goes to the front of the list: tried last, after Zokio and
    /// after any other transport the app added.
    /// </summary>
    private static void AddSocketsFallback(IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IConnectionListenerFactory) && d.ImplementationType == typeof(SocketTransportFactory)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IConnectionListenerFactory, SocketTransportFactory>());
        }
    }
}
