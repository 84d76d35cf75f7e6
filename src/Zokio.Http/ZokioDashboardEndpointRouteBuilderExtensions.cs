using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Zokio.Http.Dashboard;
using Zokio.Http.Internal;

namespace Zokio.Http;

/// <summary>Maps Zokio's live dashboard: <c>app.MapZokioDashboard("/zokio")</c>.</summary>
public static class ZokioDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves Zokio's live dashboard under <paramref name="pattern"/>: one self-contained HTML page (nothing loaded
    /// from elsewhere), <c>{pattern}/snapshot</c> (JSON: each loop's counters now) and <c>{pattern}/events</c>
    /// (server-sent events: a sample per second with rates, after the last minutes' history). It reads the same
    /// counters as the <c>Zokio</c> meter, and samples only while a page is open.
    /// </summary>
    /// <remarks>
    /// The page shows the app's load and internals: protect it like any admin page, for instance with
    /// <c>.RequireAuthorization()</c> on the returned builder, or by answering loopback clients only.
    /// </remarks>
    /// <param name="endpoints">The app (<c>app</c> in a minimal API app).</param>
    /// <param name="pattern">Where the page is served; its JSON and event stream are under it.</param>
    /// <returns>A builder for conventions (authorization, host, CORS) applied to all three endpoints.</returns>
    /// <exception cref="InvalidOperationException">Zokio is not registered (call <c>UseZokio()</c> or <c>AddZokio()</c>).</exception>
    public static IEndpointConventionBuilder MapZokioDashboard(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/zokio") =>
        MapZokioDashboard(endpoints, pattern, TimeSpan.FromSeconds(1));

    internal static IEndpointConventionBuilder MapZokioDashboard(this IEndpointRouteBuilder endpoints, string pattern, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        IServiceProvider services = endpoints.ServiceProvider;
        ZokioListenerFactory listenerFactory = services.GetService<ZokioListenerFactory>()
            ?? throw new InvalidOperationException("MapZokioDashboard needs Zokio registered: call builder.WebHost.UseZokio() or builder.Services.AddZokio() first.");
        DashboardSource source = new(listenerFactory, services.GetRequiredService<IOptions<ZokioOptions>>(), services.GetRequiredService<PlatformSupport>());
        DashboardSampler sampler = new(source, interval);

        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        group.MapGet("/", static context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = DashboardPage.Html.Length;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.ContentSecurityPolicy = DashboardPage.ContentSecurityPolicy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.Body.WriteAsync(DashboardPage.Html, context.RequestAborted).AsTask();
        });
        group.MapGet("/snapshot", context =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            DashboardSnapshot snapshot = source.Describe(source.ReadLoops(), previous: null, seconds: 0);
            return JsonSerializer.SerializeAsync(context.Response.Body, snapshot, DashboardJsonContext.Default.DashboardSnapshot, context.RequestAborted);
        });
        group.MapGet("/events", context =>
            TypedResults.ServerSentEvents(sampler.WatchAsync(context.RequestAborted)).ExecuteAsync(context));
        return group;
    }
}
