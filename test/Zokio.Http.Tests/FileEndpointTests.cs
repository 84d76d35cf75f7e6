using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;
using Zokio.Samples.WebApi;

namespace Zokio.Http.Tests;

/// <summary>
/// The sample's <c>GET /files/{name}</c>: served through ZokioFile on both backends and through Kestrel's Results.File
/// on the Sockets transport, and never anything outside the folder.
/// </summary>
public sealed class FileEndpointTests : IDisposable
{
    private const string Secret = "outside the served folder";

    private readonly string _directory = Directory.CreateTempSubdirectory("zokio-files-").FullName;
    private readonly string _root;
    private readonly byte[] _large = RandomNumberGenerator.GetBytes((1 << 20) + 3);

    public FileEndpointTests()
    {
        _root = Path.Combine(_directory, "root");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello, files");
        File.WriteAllBytes(Path.Combine(_root, "large.bin"), _large);
        File.WriteAllText(Path.Combine(_directory, "secret.txt"), Secret);
        File.CreateSymbolicLink(Path.Combine(_root, "link-out.txt"), Path.Combine(_directory, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "link-in.txt"), Path.Combine(_root, "hello.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "dir-out"), _directory);
    }

    /// <summary>Zokio on each backend, and Kestrel's Sockets transport (Zokio:Enabled=false), which has no loop.</summary>
    public static TheoryData<string> Transports => new() { nameof(LoopBackendKind.IoUring), nameof(LoopBackendKind.Epoll), "Sockets" };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory, MemberData(nameof(Transports))]
    public async Task Files_are_served_with_their_content_type_and_length(string transport)
    {
        await using TestHost host = await StartAsync(transport);
        using HttpClient client = new() { BaseAddress = host.BaseAddress };

        using HttpResponseMessage hello = await client.GetAsync("/files/hello.txt");
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        Assert.Equal("text/plain", hello.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello, files", await hello.Content.ReadAsStringAsync());

        using HttpResponseMessage large = await client.GetAsync("/files/large.bin");
        Assert.Equal(HttpStatusCode.OK, large.StatusCode);
        Assert.Equal("application/octet-stream", large.Content.Headers.ContentType?.MediaType);
        Assert.Equal(_large.Length, large.Content.Headers.ContentLength);
        Assert.Equal(_large, await large.Content.ReadAsByteArrayAsync());

        // A link whose target is inside the folder is an ordinary file of it.
        Assert.Equal("hello, files", await client.GetStringAsync("/files/link-in.txt"));
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task Missing_files_and_directories_are_404(string transport)
    {
        await using TestHost host = await StartAsync(transport);
        Assert.Equal(404, (await RawGetAsync(host, "/files/missing.txt")).Status);
        Assert.Equal(404, (await RawGetAsync(host, "/files/sub")).Status);
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task Without_the_folder_the_app_starts_and_every_file_is_404(string transport)
    {
        // A published app run from a folder with no "files" in it must still serve everything else, and say why files are 404.
        Directory.Delete(_root, recursive: true);
        using CapturingLoggerProvider logs = new();
        await using TestHost host = await StartAsync(transport, logs);
        Assert.Equal(404, (await RawGetAsync(host, "/files/hello.txt")).Status);
        Assert.Equal(404, (await RawGetAsync(host, "/files/other.txt")).Status);

        (string _, LogLevel level, string message) = Assert.Single(logs.Messages, m => m.Message.Contains(FileEndpoints.RootKey, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains(_root, message);
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task With_the_folder_nothing_is_logged_about_it(string transport)
    {
        using CapturingLoggerProvider logs = new();
        await using TestHost host = await StartAsync(transport, logs);
        Assert.Equal(200, (await RawGetAsync(host, "/files/hello.txt")).Status);
        Assert.DoesNotContain(logs.Messages, m => m.Message.Contains(FileEndpoints.RootKey, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> Escapes()
    {
        TheoryData<string, string> data = new();
        foreach (string transport in Transports)
        {
            data.Add(transport, "/files/../secret.txt");
            data.Add(transport, "/files/..%2Fsecret.txt");
            data.Add(transport, "/files/%2E%2E%2Fsecret.txt");
            data.Add(transport, "/files/..%5Csecret.txt");
            data.Add(transport, "/files/..");
            data.Add(transport, "/files/%2E%2E");
            data.Add(transport, "/files/dir-out%2Fsecret.txt");
            data.Add(transport, "/files/link-out.txt");
            data.Add(transport, "ABSOLUTE");
        }

        return data;
    }

    [Theory, MemberData(nameof(Escapes))]
    public async Task Nothing_outside_the_folder_is_ever_served(string transport, string target)
    {
        await using TestHost host = await StartAsync(transport);
        if (target == "ABSOLUTE")
        {
            // The secret's absolute path as the name, its slashes encoded so the route still matches.
            target = "/files/" + Uri.EscapeDataString(Path.Combine(_directory, "secret.txt"));
        }

        (int status, string body) = await RawGetAsync(host, target);
        Assert.Equal(404, status);
        Assert.DoesNotContain(Secret, body);
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task On_Zokio_a_handler_finds_its_connections_loop_as_a_feature(string transport)
    {
        // What lets the endpoint read through the connection's loop even when the handler runs on the thread pool.
        WebApplication app = CreateBuilder(transport).Build();
        app.MapGet("/loop", (HttpContext context) => context.Features.Get<EventLoop>()?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress };
        string loop = await client.GetStringAsync("/loop");
        Assert.Equal(transport == "Sockets", loop == "none");
    }

    private async Task<TestHost> StartAsync(string transport, CapturingLoggerProvider? logs = null)
    {
        WebApplicationBuilder builder = CreateBuilder(transport);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        WebApplication app = builder.Build();
        app.MapFiles();
        return await TestHost.StartAsync(app);
    }

    private WebApplicationBuilder CreateBuilder(string transport)
    {
        string[] args = [$"--{FileEndpoints.RootKey}={_root}"];
        return transport == "Sockets"
            ? TestHost.CreateZokioBuilder(LoopBackendKind.Auto, [.. args, "--Zokio:Enabled=false"])
            : TestHost.CreateZokioBuilder(Enum.Parse<LoopBackendKind>(transport), args);
    }

    /// <summary>
    /// One request with the target exactly as given: HttpClient would remove dot segments and re-encode, which is
    /// what an attacker's client does not do.
    /// </summary>
    private static async Task<(int Status, string Body)> RawGetAsync(TestHost host, string target)
    {
        using TcpClient client = new();
        await client.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nConnection: close\r\n\r\n"));
        using StreamReader reader = new(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync().WaitAsync(TestHost.Timeout);
        int status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
