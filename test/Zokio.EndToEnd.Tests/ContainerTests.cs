using System.Text.Json.Nodes;

namespace Zokio.EndToEnd.Tests;

/// <summary>deploy/: the seccomp profile is the engine's default plus io_uring, and it does what it is for in a real container.</summary>
public class ContainerTests
{
    private const string EngineDefaultProfile = "/usr/share/containers/seccomp.json";

    [ContainerFact]
    public async Task Published_sample_in_a_container_gets_epoll_with_the_default_profile_and_io_uring_with_Zokio_s()
    {
        Command.Result run = await Command.RunAsync(Path.Combine(Repository.Root, "deploy", "run-in-container.sh"), [], Repository.Root, TimeSpan.FromMinutes(6));

        Assert.True(run.ExitCode == 0, $"deploy/run-in-container.sh exited with {run.ExitCode}:{Environment.NewLine}{Command.Tail(run.Output, 80)}");
        Assert.Contains("OK: default-seccomp served /healthz and /plaintext on Epoll", run.Output);
        Assert.Contains("OK: zokio-seccomp served /healthz and /plaintext on IoUring", run.Output);
    }

    [ContainerFact]
    public void Zokio_profile_is_the_engine_default_plus_one_rule_allowing_exactly_the_three_io_uring_calls()
    {
        JsonNode engineDefault = JsonNode.Parse(File.ReadAllText(EngineDefaultProfile))!;
        JsonNode zokio = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "seccomp", "zokio.json")))!;
        JsonArray rules = zokio["syscalls"]!.AsArray();

        JsonNode added = rules[^1]!;
        Assert.Equal(["io_uring_enter", "io_uring_register", "io_uring_setup"], added["names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("SCMP_ACT_ALLOW", added["action"]!.GetValue<string>());
        Assert.Null(added["args"]);
        Assert.Null(added["includes"]);

        rules.RemoveAt(rules.Count - 1);
        Assert.True(JsonNode.DeepEquals(engineDefault, zokio), $"deploy/seccomp/zokio.json differs from {EngineDefaultProfile} by more than the io_uring rule; regenerate it with deploy/seccomp/generate.sh");
    }
}
