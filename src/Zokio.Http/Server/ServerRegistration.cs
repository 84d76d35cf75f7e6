using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zokio.Http.Server;

/// <summary>
/// Registers Zokio's server: the app's <see cref="IServer"/> (Kestrel's registration) is wrapped in a
/// <see cref="ZokioServer"/>, which serves HTTP/1.1 itself when <c>Zokio:Server=Zokio</c> and is Kestrel alone
/// otherwise. The choice is made at start, from the configuration, so it needs no code in the app.
/// </summary>
internal static class ServerRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<Http1Server>();
        services.AddSingleton<KestrelEndpointHook>();
        services.AddSingleton<IPostConfigureOptions<KestrelServerOptions>>(provider => provider.GetRequiredService<KestrelEndpointHook>());
        services.AddTransient<IStartupFilter, ServerCheckStartupFilter>();

        // Kestrel registers IServer with AddSingleton, and the last registration wins. When the app calls UseZokio or
        // AddZokio, Kestrel's is already there (WebApplication.CreateBuilder adds it) and is wrapped here. The
        // hosting-startup assembly runs before Kestrel registers: then ServerCheckStartupFilter explains at start.
        int index = services.Count - 1;
        while (index >= 0 && services[index].ServiceType != typeof(IServer))
        {
            index--;
        }

        if (index < 0)
        {
            return;
        }

        ServiceDescriptor kestrel = services[index];
        // The server is resolved when the app is built (WebApplication reads its features), before the options are
        // validated at start: ZokioServer reads them only when it starts.
        services[index] = ServiceDescriptor.Singleton<IServer>(provider => new ZokioServer(
            Create(provider, kestrel), provider.GetRequiredService<Http1Server>(), provider.GetRequiredService<KestrelEndpointHook>(),
            provider.GetRequiredService<IOptions<KestrelServerOptions>>(), provider.GetRequiredService<IOptions<ZokioOptions>>()));
    }

    private static IServer Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as IServer
        ?? (IServer?)descriptor.ImplementationFactory?.Invoke(provider)
        ?? (IServer)ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);

    /// <summary>Fails the start when Zokio's server was asked for but the app's server is another one.</summary>
    private sealed class ServerCheckStartupFilter(IOptions<ZokioOptions> options, IServer server) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
        {
            ZokioOptions settings = options.Value;
            if (settings.Enabled && settings.Server == ZokioServerKind.Zokio && server is not ZokioServer)
            {
                throw new InvalidOperationException(
                    $"Zokio:Server=Zokio, but the app's server is {server.GetType().Name}, registered after Zokio (the hosting-startup " +
                    "assembly runs before UseKestrel): call builder.WebHost.UseZokio() in Program.cs, or set Zokio:Server=Kestrel.");
            }

            return next;
        }
    }
}
