using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Http.Dashboard;
using Zokio.Http.Internal;

namespace Zokio.Http;

/// <summary>Maps Zokio's live dashboard: <c>app.MapZokioDashboard("/zokio")</c>.</summary>
public static class ZokioDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves Zokio's live dashboard under <paramref name="pattern"/> to clients on this machine only: one
    /// self-contained HTML page (nothing loaded from elsewhere), <c>{pattern}/snapshot</c> (JSON) and
    /// <c>{pattern}/events</c> (server-sent events: a sample per second after the last minutes' history). A sample
    /// holds the app's requests per second, 5xx answers per second and p50/p99 latency over the last second (in total
    /// and for the busiest routes, from ASP.NET Core's <c>http.server.request.duration</c>) and each event loop's
    /// counters (the <c>Zokio</c> meter's). It samples only while a page is open.
    /// </summary>
    /// <remarks>
    /// Clients on other machines get 404; <see cref="ZokioDashboardOptions.AllowRemoteClients"/> serves them too. Add
    /// conventions to the returned builder to protect it further (<c>.RequireAuthorization()</c>, <c>.RequireHost()</c>).
    /// </remarks>
    /// <param name="endpoints">The app (<c>app</c> in a minimal API app).</param>
    /// <param name="pattern">Where the page is served; its JSON and event stream are under it.</param>
    /// <param name="options">
    /// Who may see it: <c>app.MapZokioDashboard("/zokio", new() { AllowRemoteClients = true }).RequireAuthorization("admin")</c>.
    /// </param>
    /// <returns>A builder for conventions (authorization, host, CORS) applied to all three endpoints.</returns>
    /// <exception cref="InvalidOperationException">Zokio is not registered (call <c>UseZokio()</c> or <c>AddZokio()</c>).</exception>
    public static IEndpointConventionBuilder MapZokioDashboard(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/zokio", ZokioDashboardOptions? options = null) =>
        MapZokioDashboard(endpoints, pattern, options ?? new ZokioDashboardOptions(), TimeSpan.FromSeconds(1));

    internal static IEndpointConventionBuilder MapZokioDashboard(this IEndpointRouteBuilder endpoints, string pattern, ZokioDashboardOptions options, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(options);
        IServiceProvider services = endpoints.ServiceProvider;
        ZokioListenerFactory listenerFactory = services.GetService<ZokioListenerFactory>()
            ?? throw new InvalidOperationException("MapZokioDashboard needs Zokio registered: call builder.WebHost.UseZokio() or builder.Services.AddZokio() first.");
        DashboardSource source = new(
            listenerFactory,
            services.GetRequiredService<IOptions<ZokioOptions>>(),
            services.GetRequiredService<PlatformSupport>(),
            services.GetService<IMeterFactory>());
        DashboardSampler sampler = new(source, interval);
        DashboardClients clients = new(options.AllowRemoteClients, services.GetRequiredService<ILoggerFactory>().CreateLogger("Zokio.Http"));

        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        group.MapGet("/", context =>
        {
            if (!clients.Allow(context))
            {
                return clients.RefuseAsync(context);
            }

            byte[] html = DashboardPage.Render(sampler.History());
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = html.Length;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.ContentSecurityPolicy = DashboardPage.ContentSecurityPolicy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.Body.WriteAsync(html, context.RequestAborted).AsTask();
        });
        group.MapGet("/snapshot", context =>
        {
            if (!clients.Allow(context))
            {
                return clients.RefuseAsync(context);
            }

            byte[] json = Encoding.UTF8.GetBytes(sampler.Snapshot());
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength = json.Length;
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
        });
        // A stream lasting as long as the page is open is no request latency: kept out of http.server.request.duration,
        // where it would put the page's lifetime into the dashboard's own p99 (and OpenTelemetry's).
        group.MapGet("/events", context => clients.Allow(context)
            ? TypedResults.ServerSentEvents(sampler.WatchAsync(context.RequestAborted)).ExecuteAsync(context)
            : clients.RefuseAsync(context))
            .DisableHttpMetrics();
        return group;
    }
}
