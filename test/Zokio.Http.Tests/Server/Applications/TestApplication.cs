using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>
/// The application every application test runs, on one <see cref="ServerKind"/>: minimal APIs, an MVC controller,
/// static files from a temporary web root, response compression, authentication and authorization, health checks, a
/// SignalR hub and a WebSocket echo, composed as an ordinary app composes them. <see cref="Client"/> keeps cookies,
/// follows no redirect and asks for no compression unless a test does.
/// </summary>
internal sealed class TestApplication : IAsyncDisposable
{
    public const string AdminPolicy = "admin";

    private readonly TestHost _host;

    private TestApplication(TestHost host, WebRoot webRoot)
    {
        _host = host;
        WebRoot = webRoot;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = Cookies })
        {
            BaseAddress = host.BaseAddress,
            Timeout = TestHost.Timeout,
        };
    }

    public Uri BaseAddress => _host.BaseAddress;

    public WebRoot WebRoot { get; }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Client { get; }

    public static async Task<TestApplication> StartAsync(ServerKind kind)
    {
        WebRoot webRoot = new();
        try
        {
            WebApplicationBuilder builder = ServerKinds.CreateBuilder(kind, $"--webroot={webRoot.Path}");
            builder.Services.AddControllers().AddApplicationPart(typeof(ItemsController).Assembly);
            builder.Services.AddResponseCompression(options =>
            {
                options.Providers.Add<BrotliCompressionProvider>();
                options.Providers.Add<GzipCompressionProvider>();
            });
            builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
            builder.Services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole("admin"));
            builder.Services.AddHealthChecks()
                .AddCheck("self", () => HealthCheckResult.Healthy("running"))
                .AddCheck("dependency", () => HealthCheckResult.Unhealthy("dependency down"), tags: ["dependency"]);
            builder.Services.AddSignalR();
            builder.Services.AddSingleton<MinimalApiEndpoints.StreamGate>();

            WebApplication app = builder.Build();
            app.UseResponseCompression();
            app.UseStaticFiles();
            app.UseWebSockets();
            app.UseAuthentication();
            app.UseAuthorization();
            MinimalApiEndpoints.Map(app);
            app.MapControllers();
            app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Tags.Count == 0 });
            app.MapHealthChecks("/health/dependencies", new HealthCheckOptions { Predicate = check => check.Tags.Contains("dependency") });
            app.MapHub<ChatHub>("/hubs/chat");
            return new TestApplication(await TestHost.StartAsync(app), webRoot);
        }
        catch
        {
            webRoot.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await _host.DisposeAsync();
        }
        finally
        {
            WebRoot.Dispose();
        }
    }
}
