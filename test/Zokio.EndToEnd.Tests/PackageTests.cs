using System.Text.Json;
using System.Text.RegularExpressions;

namespace Zokio.EndToEnd.Tests;

/// <summary>What a user does: packs Zokio, creates a new web app, references the package (not the project) and runs it.</summary>
public partial class PackageTests
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_new_web_app_referencing_the_packed_Zokio_Http_package_serves_through_Zokio_on_io_uring_and_on_epoll()
    {
        string work = Directory.CreateTempSubdirectory("zokio-package-").FullName;
        // A version no earlier run used, so the restore cannot pick a stale copy from the NuGet cache.
        string version = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        try
        {
            string packages = Path.Combine(work, "packages");
            foreach (string project in new[] { "Zokio.Runtime", "Zokio.Transport", "Zokio.Http" })
            {
                // --no-build: the assemblies these tests were built with (the sample depends on all three). The version
                // replaces the one MinVer takes from git (a -p:Version would not: MinVer sets PackageVersion).
                (await Command.RunAsync("dotnet", ["pack", Path.Combine(Repository.Root, "src", project, $"{project}.csproj"), "-c", Repository.Configuration, "--no-build", "-o", packages, $"-p:MinVerVersionOverride={version}"], Repository.Root, s_commandTimeout))
                    .EnsureSuccess($"dotnet pack {project}");
                Assert.True(File.Exists(Path.Combine(packages, $"{project}.{version}.nupkg")), $"{project}.{version}.nupkg was not produced");
                Assert.True(File.Exists(Path.Combine(packages, $"{project}.{version}.snupkg")), $"{project}.{version}.snupkg was not produced");
            }

            // Built and tested together: each depends on exactly the others' version, not on "that or later".
            Assert.Contains($"<dependency id=\"Zokio.Runtime\" version=\"[{version}]\"", Nuspec(packages, "Zokio.Transport", version));
            Assert.Contains($"<dependency id=\"Zokio.Transport\" version=\"[{version}]\"", Nuspec(packages, "Zokio.Http", version));

            string app = Path.Combine(work, "app");
            (await Command.RunAsync("dotnet", ["new", "web", "-n", "ZokioConsumer", "-o", app, "--no-restore"], work, s_commandTimeout)).EnsureSuccess("dotnet new web");
            // The local folder first; nuget.org for the rest (served from the NuGet cache when offline).
            await File.WriteAllTextAsync(Path.Combine(app, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="zokio-local" value="{packages}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            string projectFile = Path.Combine(app, "ZokioConsumer.csproj");
            string csproj = await File.ReadAllTextAsync(projectFile);
            await File.WriteAllTextAsync(projectFile, csproj.Replace("</Project>", $"""
                  <ItemGroup>
                    <PackageReference Include="Zokio.Http" Version="{version}" />
                  </ItemGroup>
                </Project>
                """, StringComparison.Ordinal));
            string program = await File.ReadAllTextAsync(Path.Combine(app, "Program.cs"));
            string createBuilder = "var builder = WebApplication.CreateBuilder(args);";
            string buildApp = "var app = builder.Build();";
            Assert.Contains(createBuilder, program);
            Assert.Contains(buildApp, program);
            program = "using Zokio.Http;\n" + program
                .Replace(createBuilder, createBuilder + "\nbuilder.WebHost.UseZokio();", StringComparison.Ordinal)
                .Replace(buildApp, buildApp + "\napp.MapZokioDashboard();", StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);

            (await Command.RunAsync("dotnet", ["build", projectFile, "-c", "Release"], app, s_commandTimeout)).EnsureSuccess("dotnet build of the new app");
            Assert.True(File.Exists(Path.Combine(app, "obj", "project.assets.json")));
            Assert.Contains($"\"Zokio.Http/{version}\"", await File.ReadAllTextAsync(Path.Combine(app, "obj", "project.assets.json")));

            string assembly = Path.Combine(app, "bin", "Release", "net10.0", "ZokioConsumer.dll");
            await AssertServesThroughZokioAsync(assembly, [], expectedBackend: "IoUring");
            await AssertServesThroughZokioAsync(assembly, ["--Zokio:Backend=Epoll"], expectedBackend: "Epoll");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            // The packages this run put in the NuGet cache: nothing else will ever use this version.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (string id in new[] { "zokio.runtime", "zokio.transport", "zokio.http" })
            {
                string cached = Path.Combine(cache, id, version);
                if (Directory.Exists(cached))
                {
                    Directory.Delete(cached, recursive: true);
                }
            }
        }
    }

    [Fact]
    public async Task Packing_without_a_version_takes_it_from_git_tags_and_height()
    {
        string packages = Directory.CreateTempSubdirectory("zokio-pack-version-").FullName;
        try
        {
            (await Command.RunAsync("dotnet", ["pack", Path.Combine(Repository.Root, "src", "Zokio.Runtime", "Zokio.Runtime.csproj"), "-c", Repository.Configuration, "--no-build", "-o", packages], Repository.Root, s_commandTimeout))
                .EnsureSuccess("dotnet pack Zokio.Runtime");
            string package = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(packages, "*.nupkg")));
            string version = package["Zokio.Runtime.".Length..];

            // MinVer: vX.Y.Z on HEAD gives X.Y.Z; commits after the last tag (or without one) give a pre-release
            // counting them, so the next commit packs under another version.
            Command.Result tag = await Command.RunAsync("git", ["describe", "--tags", "--match", "v*", "--exact-match"], Repository.Root, s_commandTimeout);
            if (tag.ExitCode == 0)
            {
                Assert.Equal(tag.Output.Trim()[1..], version);
            }
            else
            {
                Assert.Matches(@"^\d+\.\d+\.\d+-alpha\.0\.[1-9]\d*$", version);
            }
        }
        finally
        {
            Directory.Delete(packages, recursive: true);
        }
    }

    private static string Nuspec(string packages, string id, string version)
    {
        using System.IO.Compression.ZipArchive package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(packages, $"{id}.{version}.nupkg"));
        using StreamReader reader = new(package.GetEntry($"{id}.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    private static async Task AssertServesThroughZokioAsync(string assembly, string[] arguments, string expectedBackend)
    {
        (AppProcess app, Match ready) = await AppProcess.StartAsync(assembly, ["--urls", "http://127.0.0.1:0", .. arguments], ListeningLine(), s_commandTimeout);
        await using AppProcess _ = app;
        using HttpClient client = new() { BaseAddress = new Uri(ready.Groups["url"].Value), Timeout = s_commandTimeout };

        Assert.Equal("Hello World!", await client.GetStringAsync("/"));

        using JsonDocument snapshot = JsonDocument.Parse(await client.GetStringAsync("/zokio/snapshot"));
        JsonElement loops = snapshot.RootElement.GetProperty("loops");
        Assert.Equal("serving", snapshot.RootElement.GetProperty("state").GetString());
        Assert.All(loops.EnumerateArray(), loop => Assert.Equal(expectedBackend, loop.GetProperty("backend").GetString()));
        Assert.True(loops.EnumerateArray().Sum(loop => loop.GetProperty("accepted").GetInt64()) >= 1, "Zokio accepted no connection");
        Assert.Contains($"event loop(s) on {expectedBackend}", app.Log);
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
