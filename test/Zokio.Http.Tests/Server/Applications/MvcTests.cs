using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>An MVC controller on every server kind: attribute routes, model binding and <c>[ApiController]</c> validation.</summary>
public class MvcTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Attribute_routes_bind_from_route_and_query(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        Assert.Equal("""{"id":5,"name":"item 5","format":"long"}""", await app.Client.GetStringAsync("/mvc/items/5?format=long"));
        Assert.Equal("""{"id":6,"name":"item 6","format":"short"}""", await app.Client.GetStringAsync("/mvc/items/6"));
        using HttpResponseMessage notFound = await app.Client.GetAsync("/mvc/items/0");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_valid_body_is_created_and_an_invalid_one_is_a_400_with_problem_details(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage created = await app.Client.PostAsJsonAsync("/mvc/items", new { name = "bolt", quantity = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(new Uri(app.BaseAddress, "/mvc/items/3"), created.Headers.Location);
        Assert.Equal("""{"name":"bolt","quantity":3}""", await created.Content.ReadAsStringAsync());

        using HttpResponseMessage invalid = await app.Client.PostAsJsonAsync("/mvc/items", new { quantity = 1000 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        using JsonDocument details = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        JsonElement errors = details.RootElement.GetProperty("errors");
        Assert.Equal(["Name", "Quantity"], errors.EnumerateObject().Select(error => error.Name).Order(StringComparer.Ordinal));
        Assert.Equal("The field Quantity must be between 1 and 100.", errors.GetProperty("Quantity")[0].GetString());
        Assert.Equal("The Name field is required.", errors.GetProperty("Name")[0].GetString());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Form_fields_bind_to_a_model(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage bound = await app.Client.PostAsync("/mvc/items/form", new FormUrlEncodedContent([new("Name", "nut & bolt"), new("Quantity", "9")]));
        Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        Assert.Equal("""{"name":"nut & bolt","quantity":9}""", await bound.Content.ReadAsStringAsync());

        using HttpResponseMessage invalid = await app.Client.PostAsync("/mvc/items/form", new FormUrlEncodedContent([new("Name", "nut"), new("Quantity", "0")]));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("The field Quantity must be between 1 and 100.", await invalid.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_multipart_upload_binds_its_file_and_fields(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        byte[] file = new byte[200_000];
        new Random(3).NextBytes(file);
        using MultipartFormDataContent form = new()
        {
            { new StringContent("quarterly numbers"), "Description" },
            { new ByteArrayContent(file) { Headers = { ContentType = new("application/x-numbers") } }, "File", "numbers.bin" },
        };

        using HttpResponseMessage response = await app.Client.PostAsync("/mvc/items/upload", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"quarterly numbers: numbers.bin application/x-numbers 200000 {Convert.ToHexString(SHA256.HashData(file))}", await response.Content.ReadAsStringAsync());
    }
}
