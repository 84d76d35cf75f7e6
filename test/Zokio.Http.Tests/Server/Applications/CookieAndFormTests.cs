using System.Net;
using System.Net.Http.Json;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>Cookies and <c>Request.Form</c> on every server kind.</summary>
public class CookieAndFormTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_cookie_set_by_the_app_comes_back_on_the_next_request(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        Assert.Equal("none", await app.Client.GetStringAsync("/api/cookies"));

        using HttpResponseMessage set = await app.Client.PostAsync("/api/cookies?value=abc123", null);

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        Assert.Equal("session=abc123; path=/api; httponly", set.Headers.GetValues("Set-Cookie").Single());
        Assert.Equal("abc123", app.Cookies.GetCookies(new Uri(app.BaseAddress, "/api/cookies"))["session"]?.Value);
        Assert.Equal("abc123", await app.Client.GetStringAsync("/api/cookies"));
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Request_Form_reads_url_encoded_and_multipart_fields(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage encoded = await app.Client.PostAsync("/api/form", new FormUrlEncodedContent([new("b", "two words"), new("a", "ü=1&2")]));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "ü=1&2", ["b"] = "two words" }, await encoded.Content.ReadFromJsonAsync<Dictionary<string, string>>());

        using MultipartFormDataContent multipart = new() { { new StringContent("first"), "x" }, { new StringContent(new string('y', 50_000)), "y" } };
        using HttpResponseMessage parts = await app.Client.PostAsync("/api/form", multipart);
        Assert.Equal(new Dictionary<string, string> { ["x"] = "first", ["y"] = new string('y', 50_000) }, await parts.Content.ReadFromJsonAsync<Dictionary<string, string>>());
    }
}
