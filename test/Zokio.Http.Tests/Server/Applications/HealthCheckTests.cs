using System.Net;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary><c>MapHealthChecks</c> on every server kind.</summary>
public class HealthCheckTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Health_endpoints_report_healthy_and_unhealthy(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage healthy = await app.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal("text/plain", healthy.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());

        using HttpResponseMessage unhealthy = await app.Client.GetAsync("/health/dependencies");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.Equal("Unhealthy", await unhealthy.Content.ReadAsStringAsync());
    }
}
