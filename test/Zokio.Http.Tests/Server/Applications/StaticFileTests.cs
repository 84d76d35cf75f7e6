using System.Net;
using System.Net.Http.Headers;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary><c>UseStaticFiles</c> on every server kind: content types, ranges, validators and HEAD.</summary>
public class StaticFileTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Files_are_served_with_their_content_type_length_and_content(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        foreach ((string path, string type, string content) in new[]
        {
            ("/index.html", "text/html", WebRoot.Html),
            ("/css/site.css", "text/css", WebRoot.Css),
            ("/data.json", "application/json", WebRoot.Json),
        })
        {
            using HttpResponseMessage response = await app.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(content.Length, response.Content.Headers.ContentLength);
            Assert.Equal(content, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(app.WebRoot.Blob, await app.Client.GetByteArrayAsync("/blob.bin"));
        using HttpResponseMessage missing = await app.Client.GetAsync("/nothing.txt");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_range_request_gets_206_with_that_slice(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpRequestMessage request = new(HttpMethod.Get, "/blob.bin");
        request.Headers.Range = new RangeHeaderValue(1000, 70_999);

        using HttpResponseMessage response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-70999/{app.WebRoot.Blob.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(70_000, response.Content.Headers.ContentLength);
        Assert.Equal(app.WebRoot.Blob[1000..71_000], await response.Content.ReadAsByteArrayAsync());

        using HttpRequestMessage unsatisfiable = new(HttpMethod.Get, "/blob.bin");
        unsatisfiable.Headers.Range = new RangeHeaderValue(10_000_000, null);
        using HttpResponseMessage refused = await app.Client.SendAsync(unsatisfiable);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
        Assert.Equal($"bytes */{app.WebRoot.Blob.Length}", refused.Content.Headers.ContentRange?.ToString());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_matching_If_None_Match_gets_304_without_a_body_and_the_connection_stays_usable(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpClient client = MinimalApiTests.OneConnection(app);
        string connection = await client.GetStringAsync("/api/connection");
        using HttpResponseMessage first = await client.GetAsync("/css/site.css");
        EntityTagHeaderValue etag = first.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag");
        Assert.NotNull(first.Content.Headers.LastModified);

        using HttpRequestMessage conditional = new(HttpMethod.Get, "/css/site.css");
        conditional.Headers.IfNoneMatch.Add(etag);
        using HttpResponseMessage notModified = await client.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(WebRoot.Css, await client.GetStringAsync("/css/site.css"));
        Assert.Equal(connection, await client.GetStringAsync("/api/connection"));
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task HEAD_of_a_file_has_its_length_and_no_body_and_the_connection_stays_usable(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpClient client = MinimalApiTests.OneConnection(app);
        string connection = await client.GetStringAsync("/api/connection");

        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/blob.bin"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(app.WebRoot.Blob.Length, head.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(WebRoot.Json, await client.GetStringAsync("/data.json"));
        Assert.Equal(connection, await client.GetStringAsync("/api/connection"));
    }
}
