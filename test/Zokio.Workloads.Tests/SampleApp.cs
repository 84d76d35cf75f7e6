using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Json;
using Zokio.Http;
using Zokio.Runtime.Loops;
using Zokio.Samples.WebApi;
using Zokio.Samples.WebApi.TechEmpower;

namespace Zokio.Workloads.Tests;

/// <summary>The sample's workload endpoints (its own extension methods, as its Program.cs calls them) on a test host.</summary>
internal static class SampleApp
{
    /// <summary>
    /// Zokio on <paramref name="backend"/> serving the WebSocket echo and, with <paramref name="connectionString"/> set
    /// as <c>ConnectionStrings:Db</c>, TechEmpower's database endpoints; <paramref name="map"/> adds a test's own.
    /// </summary>
    public static WebApplication Create(LoopBackendKind backend, string? connectionString, Action<ZokioOptions>? configure = null, Action<WebApplication>? map = null)
    {
        string[] args = connectionString is null ? [] : [$"--ConnectionStrings:{TechEmpowerEndpoints.ConnectionStringName}={connectionString}"];
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, args, configure: configure);
        // The sample's appsettings.json is copied next to the tests with the project reference; its Kestrel endpoints
        // (fixed ports 5000 and 5001) must not bind here, only the test host's kernel-chosen port.
        foreach (JsonConfigurationSource appSettings in builder.Configuration.Sources.OfType<JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(appSettings);
        }

        builder.AddTechEmpowerDatabase();
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.MapWebSocketEcho("/ws");
        app.MapTechEmpowerDatabase();
        map?.Invoke(app);
        return app;
    }
}
