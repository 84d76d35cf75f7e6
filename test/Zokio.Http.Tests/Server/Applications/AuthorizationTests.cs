using System.Net;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>Authentication and authorization middleware on every server kind: 401 without a user, 403 without the role, 200 with it.</summary>
public class AuthorizationTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Authorization_answers_401_403_or_the_endpoint(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        Assert.Equal((HttpStatusCode.Unauthorized, ""), await GetAsync(app, "/api/me", user: null, roles: null));
        Assert.Equal((HttpStatusCode.OK, "ada"), await GetAsync(app, "/api/me", "ada", roles: null));
        Assert.Equal((HttpStatusCode.Unauthorized, ""), await GetAsync(app, "/api/admin", user: null, roles: null));
        Assert.Equal((HttpStatusCode.Forbidden, ""), await GetAsync(app, "/api/admin", "ada", "reader"));
        Assert.Equal((HttpStatusCode.OK, "admin grace"), await GetAsync(app, "/api/admin", "grace", "reader, admin"));
        Assert.Equal((HttpStatusCode.Unauthorized, ""), await GetAsync(app, "/mvc/items/secure", user: null, roles: null));
        Assert.Equal((HttpStatusCode.OK, "mvc linus"), await GetAsync(app, "/mvc/items/secure", "linus", roles: null));
    }

    private static async Task<(HttpStatusCode, string)> GetAsync(TestApplication app, string path, string? user, string? roles)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add("X-User", user);
        }

        if (roles is not null)
        {
            request.Headers.Add("X-Roles", roles);
        }

        using HttpResponseMessage response = await app.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
