using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zokio.Http.Server;

/// <summary>
/// Registers Zokio's server: the app's <see cref="IServer"/> (Kestrel's registration) is wrapped so that it resolves to
/// a <see cref="ZokioServer"/> around Kestrel when <c>Zokio:Server=Zokio</c>, and to Kestrel itself otherwise. The choice
/// is made when the server is resolved, after configuration is read, so it needs no code in the app.
/// </summary>
internal static class ServerRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<Http1Server>();
        services.AddSingleton<IPostConfigureOptions<KestrelServerOptions>, KestrelEndpointHook>();
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
        services[index] = ServiceDescriptor.Singleton<IServer>(provider =>
        {
            IServer inner = Create(provider, kestrel);
            ZokioOptions options = provider.GetRequiredService<IOptions<ZokioOptions>>().Value;
            return options.Enabled && options.Server == ZokioServerKind.Zokio
                ? new ZokioServer(inner, provider.GetRequiredService<Http1Server>())
                : inner;
        });
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
