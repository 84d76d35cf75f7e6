using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>Minimal APIs on every server kind, with the same assertions: binding, <c>Results.*</c>, headers and bodies.</summary>
public class MinimalApiTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Route_query_and_body_are_bound(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        Assert.Equal(new MinimalApiEndpoints.Item(7, "item 7", true), await app.Client.GetFromJsonAsync<MinimalApiEndpoints.Item>("/api/items/7?details=true"));
        Assert.Equal(new MinimalApiEndpoints.Item(8, "item 8", false), await app.Client.GetFromJsonAsync<MinimalApiEndpoints.Item>("/api/items/8"));
        Assert.Equal("42", await app.Client.GetStringAsync("/api/sum?a=40&b=2"));

        // A missing required query parameter and a route constraint that does not match.
        using HttpResponseMessage missing = await app.Client.GetAsync("/api/sum?a=1");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using HttpResponseMessage unmatched = await app.Client.GetAsync("/api/items/seven");
        Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);

        using HttpResponseMessage created = await app.Client.PostAsJsonAsync("/api/items", new MinimalApiEndpoints.NewItem("widget", 12));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/items/12", created.Headers.Location?.OriginalString);
        Assert.Equal(new MinimalApiEndpoints.Item(12, "widget", false), await created.Content.ReadFromJsonAsync<MinimalApiEndpoints.Item>());

        using HttpResponseMessage malformed = await app.Client.PostAsync("/api/items", new StringContent("{\"name\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Results_answer_with_their_status_type_and_content(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage json = await app.Client.GetAsync("/api/json");
        Assert.Equal(HttpStatusCode.Accepted, json.StatusCode);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"kind":"json","values":[1,2,3]}""", await json.Content.ReadAsStringAsync());

        using HttpResponseMessage text = await app.Client.GetAsync("/api/text");
        Assert.Equal("text/plain; charset=utf-8", text.Content.Headers.ContentType?.ToString());
        Assert.Equal(Encoding.UTF8.GetByteCount(MinimalApiEndpoints.Text), text.Content.Headers.ContentLength);
        Assert.Equal(MinimalApiEndpoints.Text, await text.Content.ReadAsStringAsync());

        using HttpResponseMessage bytes = await app.Client.GetAsync("/api/bytes");
        Assert.Equal("application/x-test-bytes", bytes.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MinimalApiEndpoints.Bytes, await bytes.Content.ReadAsByteArrayAsync());

        using HttpResponseMessage stream = await app.Client.GetAsync("/api/stream");
        Assert.Equal("text/x-stream", stream.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MinimalApiEndpoints.Text, await stream.Content.ReadAsStringAsync());

        using HttpResponseMessage file = await app.Client.GetAsync("/api/file");
        Assert.Equal("text/csv", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("report.csv", file.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("id,name\n1,one\n", await file.Content.ReadAsStringAsync());

        using HttpResponseMessage redirect = await app.Client.GetAsync("/api/redirect");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("/api/text", redirect.Headers.Location?.OriginalString);

        using HttpResponseMessage notFound = await app.Client.GetAsync("/api/missing");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(0, notFound.Content.Headers.ContentLength);

        using HttpResponseMessage teapot = await app.Client.GetAsync("/api/status/418");
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Problem_and_validation_problem_are_problem_details(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage problem = await app.Client.GetAsync("/api/problem");
        Assert.Equal(HttpStatusCode.Conflict, problem.StatusCode);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
        using (JsonDocument details = JsonDocument.Parse(await problem.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Conflict", details.RootElement.GetProperty("title").GetString());
            Assert.Equal("the item is locked", details.RootElement.GetProperty("detail").GetString());
            Assert.Equal(409, details.RootElement.GetProperty("status").GetInt32());
        }

        using HttpResponseMessage invalid = await app.Client.PostAsJsonAsync("/api/validate", new MinimalApiEndpoints.NewItem("widget", 500));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        using (JsonDocument details = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()))
        {
            Assert.Equal("500 is not between 1 and 100.", details.RootElement.GetProperty("errors").GetProperty("Quantity")[0].GetString());
        }

        using HttpResponseMessage valid = await app.Client.PostAsJsonAsync("/api/validate", new MinimalApiEndpoints.NewItem("widget", 5));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(new MinimalApiEndpoints.NewItem("widget", 5), await valid.Content.ReadFromJsonAsync<MinimalApiEndpoints.NewItem>());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Request_and_response_headers_go_through(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpRequestMessage request = new(HttpMethod.Get, "/api/headers?x=1&y=%C3%A9");
        request.Headers.Add("X-Echo", "echoed value");

        using HttpResponseMessage response = await app.Client.SendAsync(request);

        Assert.Equal("echoed value", response.Headers.GetValues("X-Echo").Single());
        Assert.Equal(["one", "two"], response.Headers.GetValues("X-Multi"));
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.NotNull(response.Headers.Date);
        Assert.Equal("GET /api/headers?x=1&y=%C3%A9", await response.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_response_written_in_flushed_pieces_is_chunked_and_each_flush_is_sent(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using CancellationTokenSource timeout = new(TestHost.Timeout);

        using HttpResponseMessage response = await app.Client.GetAsync("/api/chunked", HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
        using StreamReader reader = new(await response.Content.ReadAsStreamAsync(timeout.Token));
        // The app holds the rest of the response until this first chunk has arrived.
        Assert.Equal("chunk 0", await reader.ReadLineAsync(timeout.Token));
        using HttpResponseMessage opened = await app.Client.PostAsync("/api/chunked/open", null, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        string rest = string.Concat(Enumerable.Range(1, MinimalApiEndpoints.ChunkCount - 1).Select(i => $"chunk {i}\n"));
        Assert.Equal(rest, await reader.ReadToEndAsync(timeout.Token));
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_one_MiB_response_arrives_whole(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        byte[] body = await app.Client.GetByteArrayAsync("/api/large");

        Assert.Equal(MinimalApiEndpoints.LargeLength, body.Length);
        int wrong = Enumerable.Range(0, body.Length).FirstOrDefault(i => body[i] != MinimalApiEndpoints.LargeByte(i), -1);
        Assert.True(wrong == -1, $"byte {wrong} differs");
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Request_bodies_are_echoed_with_Content_Length_and_chunked(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        byte[] payload = new byte[300_000];
        new Random(7).NextBytes(payload);

        using ByteArrayContent sized = new(payload);
        sized.Headers.ContentType = new("application/x-payload");
        using HttpResponseMessage sizedEcho = await app.Client.PostAsync("/api/echo", sized);
        Assert.Equal("300000", sizedEcho.Headers.GetValues("X-Request-Content-Length").Single());
        Assert.Equal("application/x-payload", sizedEcho.Content.Headers.ContentType?.MediaType);
        Assert.Equal(payload, await sizedEcho.Content.ReadAsByteArrayAsync());

        using HttpRequestMessage chunked = new(HttpMethod.Post, "/api/echo") { Content = new StreamContent(new MemoryStream(payload)) };
        chunked.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage chunkedEcho = await app.Client.SendAsync(chunked);
        Assert.Equal("chunked", chunkedEcho.Headers.GetValues("X-Request-Transfer-Encoding").Single());
        Assert.Equal("none", chunkedEcho.Headers.GetValues("X-Request-Content-Length").Single());
        Assert.Equal(payload, await chunkedEcho.Content.ReadAsByteArrayAsync());

        using HttpResponseMessage empty = await app.Client.PostAsync("/api/echo", new ByteArrayContent([]));
        Assert.Equal("0", empty.Headers.GetValues("X-Request-Content-Length").Single());
        Assert.Empty(await empty.Content.ReadAsByteArrayAsync());
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task HEAD_answers_the_headers_of_GET_without_the_body_and_the_connection_stays_usable(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpClient client = OneConnection(app);
        string connection = await client.GetStringAsync("/api/connection");

        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/head"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(11, head.Content.Headers.ContentLength);
        Assert.Equal("text/plain", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // Had the server sent the body after all, it would be read as the start of this response.
        Assert.Equal("hello, head", await client.GetStringAsync("/api/head"));
        Assert.Equal(connection, await client.GetStringAsync("/api/connection"));
    }

    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task An_unhandled_exception_is_an_empty_500_or_after_the_response_started_an_aborted_connection(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        using HttpClient client = OneConnection(app);
        string connection = await client.GetStringAsync("/api/connection");

        using HttpResponseMessage failed = await client.GetAsync("/api/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(0, failed.Content.Headers.ContentLength);
        Assert.Equal(connection, await client.GetStringAsync("/api/connection"));

        // Too late for a 500: the response is cut short, and the client must not take the half as the whole.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetByteArrayAsync("/api/throw-after-start"));
        Assert.NotEqual(connection, await client.GetStringAsync("/api/connection"));
    }

    /// <summary>A client that sends its requests one after the other on a single connection (which the server may close).</summary>
    internal static HttpClient OneConnection(TestApplication app) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = app.BaseAddress, Timeout = TestHost.Timeout };
}
