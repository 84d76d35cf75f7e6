namespace Zokio.Http.Tests.Server.Applications;

/// <summary>curl, a client with its own HTTP/1.1 implementation, against the test app on every server kind.</summary>
public sealed class CurlTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TestHost.Timeout;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("zokio-curl-");

    public void Dispose() => _directory.Delete(recursive: true);

    [CurlTheory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Three_URLs_on_one_command_line_reuse_one_keep_alive_connection(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        string[] urls = ["/api/connection", "/api/text", "/api/connection"];

        string output = await CurlAsync(["--write-out", @"|%{http_code}|%{num_connects}\n", .. urls.Select(url => new Uri(app.BaseAddress, url).ToString())]);

        string[][] answers = [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('|'))];
        Assert.Equal(3, answers.Length);
        Assert.Equal(["200", "200", "200"], answers.Select(answer => answer[1]));
        // curl opened one connection, for the first URL, and the server saw the same connection for the last one.
        Assert.Equal(["1", "0", "0"], answers.Select(answer => answer[2]));
        Assert.Equal(MinimalApiEndpoints.Text, answers[1][0]);
        Assert.Equal(answers[0][0], answers[2][0]);
    }

    [CurlTheory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_data_binary_upload_is_echoed(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        // Over 1 MiB, so curl also asks with Expect: 100-continue before it sends the body.
        byte[] payload = Payload(1_500_000);

        (Dictionary<string, string> headers, byte[] body) = await UploadAsync(app, payload, chunked: false);

        Assert.Equal("1500000", headers["x-request-content-length"]);
        Assert.Equal(payload, body);
    }

    [CurlTheory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task A_chunked_upload_is_echoed(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        byte[] payload = Payload(300_000);

        (Dictionary<string, string> headers, byte[] body) = await UploadAsync(app, payload, chunked: true);

        Assert.Equal("chunked", headers["x-request-transfer-encoding"]);
        Assert.Equal("none", headers["x-request-content-length"]);
        Assert.Equal(payload, body);
    }

    private static byte[] Payload(int length)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        return payload;
    }

    /// <summary>POSTs <paramref name="payload"/> to the echo endpoint with <c>--data-binary</c>; the response's headers (lower-case names) and body.</summary>
    private async Task<(Dictionary<string, string> Headers, byte[] Body)> UploadAsync(TestApplication app, byte[] payload, bool chunked)
    {
        string input = Path.Combine(_directory.FullName, "input.bin");
        string output = Path.Combine(_directory.FullName, "output.bin");
        string headers = Path.Combine(_directory.FullName, "headers.txt");
        await File.WriteAllBytesAsync(input, payload);
        string[] framing = chunked ? ["--header", "Transfer-Encoding: chunked"] : [];

        await CurlAsync([
            "--data-binary", $"@{input}", "--header", "Content-Type: application/x-payload", .. framing,
            "--dump-header", headers, "--output", output, new Uri(app.BaseAddress, "/api/echo").ToString()]);

        string[] lines = await File.ReadAllLinesAsync(headers);
        Assert.StartsWith("HTTP/1.1 200", lines.Last(line => line.StartsWith("HTTP/", StringComparison.Ordinal)));
        Dictionary<string, string> fields = lines.Where(line => line.Contains(':', StringComparison.Ordinal))
            .Select(line => line.Split(':', 2))
            .GroupBy(field => field[0].Trim().ToLowerInvariant())
            .ToDictionary(group => group.Key, group => group.Last()[1].Trim());
        return (fields, await File.ReadAllBytesAsync(output));
    }

    private static async Task<string> CurlAsync(string[] arguments)
    {
        Command.Result result = await Command.RunAsync("curl", ["--silent", "--show-error", "--fail", "--max-time", "30", .. arguments], null, s_timeout);
        return result.EnsureSuccess("curl").Output;
    }
}
