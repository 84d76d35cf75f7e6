using System.Text.RegularExpressions;

namespace Zokio.EndToEnd.Tests;

/// <summary>What the sample tells an operator at start, run as a user runs it (<c>dotnet WebApi.dll</c>).</summary>
public partial class SampleTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly string s_sample = Path.Combine(SampleBuild.Directory, "WebApi.dll");
    private static readonly string[] s_anyPorts = ["--Kestrel:Endpoints:h1:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:h2c:Url=http://127.0.0.1:0"];

    [Theory]
    [InlineData("Auto")]
    [InlineData("IoUring")]
    [InlineData("Epoll")]
    public async Task The_listening_line_is_information_and_names_the_backend_the_loops_run(string backend)
    {
        // At the bench's log level (Warning by default): the sample's own category stays at Information.
        (AppProcess sample, Match ready) = await AppProcess.StartAsync(
            s_sample, [.. s_anyPorts, $"--Zokio:Backend={backend}", "--Logging:LogLevel:Default=Warning"], ListeningLine(), s_timeout);
        await using AppProcess _ = sample;

        // The backend the runtime reports it started: what Auto chose, or the one asked for.
        Match started = StartedLine().Match(sample.Log);
        Assert.True(started.Success, sample.Log);
        Assert.Equal(started.Groups["backend"].Value, ready.Groups["backend"].Value);
        Assert.Equal(backend == "Auto" ? started.Groups["backend"].Value : backend, ready.Groups["backend"].Value);
        Assert.Matches(@"info: WebApi\[1\]\s+WebApi listening on", sample.Log);
    }

    [Fact]
    public async Task Run_from_its_output_folder_the_sample_serves_its_files_and_warns_only_about_a_missing_folder()
    {
        (AppProcess sample, Match ready) = await AppProcess.StartAsync(s_sample, s_anyPorts, ListeningLine(), s_timeout);
        await using (sample)
        {
            using HttpClient client = new() { BaseAddress = new Uri(ready.Groups["h1"].Value), Timeout = s_timeout };
            Assert.Equal(File.ReadAllText(Path.Combine(SampleBuild.Directory, "files", "hello.txt")), await client.GetStringAsync("/files/hello.txt"));
            Assert.DoesNotContain("Files:Root", sample.Log);
        }

        string missing = Path.Combine(Path.GetTempPath(), $"zokio-no-files-{Guid.NewGuid():N}");
        (AppProcess withoutFolder, _) = await AppProcess.StartAsync(s_sample, [.. s_anyPorts, $"--Files:Root={missing}"], ListeningLine(), s_timeout);
        await using (withoutFolder)
        {
            Assert.Matches($@"warn: WebApi\[2\]\s+The folder {Regex.Escape(missing)} \(Files:Root\) does not exist", withoutFolder.Log);
        }
    }

    [Theory]
    [InlineData("IoUring")]
    [InlineData("Epoll")]
    public async Task With_Zokio_Server_the_sample_answers_HTTP1_itself_and_h2c_through_Kestrel(string backend)
    {
        (AppProcess sample, Match ready) = await AppProcess.StartAsync(
            s_sample, [.. s_anyPorts, "--Zokio:Server=Zokio", $"--Zokio:Backend={backend}"], ListeningLine(), s_timeout);
        await using AppProcess _ = sample;
        Assert.Equal("Zokio's server", ready.Groups["server"].Value);
        Uri h1 = new(ready.Groups["h1"].Value);
        Uri h2c = new(ready.Groups["h2c"].Value);

        using HttpClient client = new() { Timeout = s_timeout };
        using HttpResponseMessage plaintext = await client.GetAsync(new Uri(h1, "/plaintext"));
        Assert.Equal("Hello, World!", await plaintext.Content.ReadAsStringAsync());
        Assert.Equal("Zokio", plaintext.Headers.Server.ToString());
        Assert.Contains("Hello, World!", await client.GetStringAsync(new Uri(h1, "/json")));
        Assert.Equal("Healthy", await client.GetStringAsync(new Uri(h1, "/healthz")));
        using HttpResponseMessage echo = await client.PostAsync(new Uri(h1, "/echo"), new StringContent("echoed"));
        Assert.Equal("echoed", await echo.Content.ReadAsStringAsync());

        using HttpRequestMessage http2 = new(HttpMethod.Get, new Uri(h2c, "/plaintext")) { Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using HttpResponseMessage overHttp2 = await client.SendAsync(http2);
        Assert.Equal("Hello, World!", await overHttp2.Content.ReadAsStringAsync());
        Assert.Equal("Kestrel", overHttp2.Headers.Server.ToString());

        // The start-up log says who serves each endpoint.
        Assert.Contains($"{h1.ToString().TrimEnd('/')}: HTTP/1.1 is served by Zokio's server.", sample.Log);
        Assert.Contains($"{h2c.ToString().TrimEnd('/')}: served by Kestrel on Zokio's transport", sample.Log);
    }

    [Fact]
    public async Task An_invalid_option_stops_the_sample_with_one_line_naming_the_valid_values_and_exit_code_1()
    {
        Command.Result result = await Command.RunAsync("dotnet", [s_sample, .. s_anyPorts, "--Zokio:Backend=Foo"], SampleBuild.Directory, s_timeout);

        Assert.Equal(1, result.ExitCode);
        const string message = "Zokio:Backend must be one of Auto, IoUring, Epoll; got 'Foo'.";
        Assert.Single(Regex.Matches(result.Output, Regex.Escape(message)));
        // The host's log holds the one exception; nothing prints it a second time.
        Assert.DoesNotContain("Unhandled exception", result.Output);
        Assert.Single(Regex.Matches(result.Output, "OptionsValidationException"));
    }

    [GeneratedRegex(@"WebApi listening on (?<h1>http://127\.0\.0\.1:\d+), (?<h2c>http://127\.0\.0\.1:\d+) via (?<server>Kestrel on Zokio|Zokio's server) \((?<backend>\w+), \d+ loop\(s\)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Zokio started \d+ event loop\(s\) on (?<backend>\w+):")]
    private static partial Regex StartedLine();
}
