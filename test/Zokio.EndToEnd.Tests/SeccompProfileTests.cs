using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zokio.EndToEnd.Tests;

/// <summary>
/// Each shipped profile (deploy/seccomp/zokio-ENGINE.json) allows nothing its engine's default does not, except
/// io_uring_setup, io_uring_enter and io_uring_register: compared rule by rule with the bases that
/// deploy/seccomp/generate.sh extracts from Debian's packages (syscall names, actions, errno, argument filters,
/// capability and architecture conditions, and the profile's default action and architectures). The bases are kept in
/// deploy/seccomp/bases (extracted once; <c>generate.sh --check</c> re-extracts and compares), so this test needs no
/// network, no Go toolchain and no particular Debian package version.
/// </summary>
public class SeccompProfileTests
{
    private static readonly string[] s_ioUring = ["io_uring_enter", "io_uring_register", "io_uring_setup"];

    public static TheoryData<string> Engines => new() { "docker", "containerd", "podman" };

    [Theory, MemberData(nameof(Engines))]
    public void The_profile_is_the_engine_default_plus_only_the_three_io_uring_calls(string engine)
    {
        string bases = Path.Combine(Repository.Root, "deploy", "seccomp", "bases");
        JsonObject engineDefault = JsonNode.Parse(File.ReadAllText(Path.Combine(bases, $"{engine}.json")))!.AsObject();
        JsonObject shipped = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "seccomp", $"zokio-{engine}.json")))!.AsObject();

        Assert.True(JsonNode.DeepEquals(Header(engineDefault), Header(shipped)),
            $"zokio-{engine}.json changes the profile's default action, errno or architectures: {Header(shipped).ToJsonString()}");

        HashSet<string> allowedByDefault = Grants(engineDefault);
        HashSet<string> allowedByZokio = Grants(shipped);
        string unconditionalAllow = Canonical(new JsonObject { ["action"] = "SCMP_ACT_ALLOW" });
        HashSet<string> ioUring = [.. s_ioUring.Select(name => $"{name} {unconditionalAllow}")];

        Assert.Empty(allowedByZokio.Except(allowedByDefault).Except(ioUring));
        // Exactly the base otherwise: nothing of the default dropped, except io_uring where the base still had it (the
        // engines' later releases removed it) and the profile allows it again in a rule of its own.
        Assert.Empty(allowedByDefault.Except(allowedByZokio).Except(ioUring));
        Assert.Subset(allowedByZokio, ioUring);
    }

    [Fact]
    public void Each_engine_s_profile_is_the_one_its_instructions_point_at()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "Dockerfile"));
        string deployment = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "kubernetes", "deployment.yaml"));
        string check = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "run-in-container.sh"));

        Assert.Contains("docker run --rm -p 8080:8080 --security-opt seccomp=deploy/seccomp/zokio-docker.json zokio-webapi", readme);
        Assert.Contains("--security-opt seccomp=deploy/seccomp/zokio-docker.json", dockerfile);
        Assert.Contains("localhostProfile: profiles/zokio-containerd.json", deployment);
        Assert.Contains("seccomp=$repo/deploy/seccomp/zokio-podman.json", check);
        foreach (string engine in new[] { "docker", "containerd", "podman" })
        {
            Assert.True(File.Exists(Path.Combine(Repository.Root, "deploy", "seccomp", $"zokio-{engine}.json")), $"deploy/seccomp/zokio-{engine}.json is missing");
        }
    }

    /// <summary>Everything but the rules: default action and errno, architectures (archMap or architectures), flags.</summary>
    private static JsonObject Header(JsonObject profile)
    {
        JsonObject header = profile.DeepClone().AsObject();
        header.Remove("syscalls");
        return header;
    }

    /// <summary>One entry per syscall name and rule: "name {the rule's action, errno, args, includes, excludes}".</summary>
    private static HashSet<string> Grants(JsonObject profile)
    {
        HashSet<string> grants = [];
        foreach (JsonNode? node in profile["syscalls"]!.AsArray())
        {
            JsonObject rule = node!.DeepClone().AsObject();
            string[] names = rule["names"] is JsonArray array ? [.. array.Select(n => n!.GetValue<string>())] : [rule["name"]!.GetValue<string>()];
            rule.Remove("names");
            rule.Remove("name");
            rule.Remove("comment");
            string condition = Canonical(rule);
            foreach (string name in names)
            {
                grants.Add($"{name} {condition}");
            }
        }

        return grants;
    }

    /// <summary>
    /// JSON with object keys sorted at every level and empty values dropped (null, [], {}: "includes": {} is no
    /// condition, as in Docker's own files): equal meaning, equal text.
    /// </summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => "{" + string.Join(",", obj
            .Where(p => p.Value is not (null or JsonArray { Count: 0 } or JsonObject { Count: 0 }))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{JsonSerializer.Serialize(p.Key)}:{Canonical(p.Value)}")) + "}",
        JsonArray items => "[" + string.Join(",", items.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
