using System.Text.Json.Nodes;

namespace Zokio.EndToEnd.Tests;

/// <summary>
/// deploy/kubernetes parses as YAML (Python's yaml, as kubectl would refuse a broken file) and keeps what an operator
/// relies on: a pinned image, a disruption budget that matches the pods, diagnostics that work on a read-only root.
/// </summary>
public class KubernetesManifestTests
{
    [PythonYamlFact]
    public async Task The_manifests_parse_and_pin_the_image_budget_disruptions_and_monitor_through_a_shared_socket()
    {
        Dictionary<string, JsonObject> byKind = await LoadAsync();
        Assert.Equal(["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"], byKind.Keys.Order());

        JsonObject deployment = byKind["Deployment"];
        JsonObject pod = deployment["spec"]!["template"]!["spec"]!.AsObject();
        JsonObject labels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        JsonArray containers = pod["containers"]!.AsArray();
        JsonObject app = Container(containers, "webapi");
        JsonObject monitor = Container(containers, "monitor");

        string image = app["image"]!.GetValue<string>();
        Assert.False(image.EndsWith(":latest", StringComparison.Ordinal) || !image.Split('/')[^1].Contains(':'), $"The app's image is not pinned: {image}");
        Assert.Equal("profiles/zokio-containerd.json", pod["securityContext"]!["seccompProfile"]!["localhostProfile"]!.GetValue<string>());

        // The budget selects the Deployment's pods and leaves room to evict one of its replicas.
        JsonObject budget = byKind["PodDisruptionBudget"];
        Assert.Equal("policy/v1", budget["apiVersion"]!.GetValue<string>());
        foreach ((string key, JsonNode? value) in budget["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(value!.GetValue<string>(), labels[key]?.GetValue<string>());
        }

        Assert.True(budget["spec"]!["minAvailable"]!.GetValue<int>() < deployment["spec"]!["replicas"]!.GetValue<int>());

        // Diagnostics: the app connects to the monitor's socket on a volume both mount; both roots are read-only.
        string socket = Env(monitor, "DOTNETMONITOR_DiagnosticPort__EndpointName");
        Assert.Equal("Listen", Env(monitor, "DOTNETMONITOR_DiagnosticPort__ConnectionMode"));
        Assert.StartsWith(socket + ",", Env(app, "DOTNET_DiagnosticPorts") + ",");
        string socketDirectory = Path.GetDirectoryName(socket)!;
        Assert.Equal(MountedVolume(app, socketDirectory), MountedVolume(monitor, socketDirectory));
        Assert.Contains(pod["volumes"]!.AsArray(), v => v!["name"]!.GetValue<string>() == MountedVolume(app, socketDirectory) && v["emptyDir"] is not null);
        Assert.All(containers, c => Assert.True(c!["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>()));
    }

    private static async Task<Dictionary<string, JsonObject>> LoadAsync()
    {
        // Every document of every file, as JSON, one per line.
        const string script = "import glob, json, sys, yaml\n" +
            "for f in sorted(glob.glob(sys.argv[1] + '/*.yaml')):\n" +
            "    for d in yaml.safe_load_all(open(f)):\n" +
            "        print(json.dumps(d))\n";
        Command.Result result = (await Command.RunAsync(PythonYamlFactAttribute.Python, ["-c", script, Path.Combine(Repository.Root, "deploy", "kubernetes")], null, TimeSpan.FromMinutes(1)))
            .EnsureSuccess("python3 yaml.safe_load_all over deploy/kubernetes");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .ToDictionary(document => document["kind"]!.GetValue<string>());
    }

    private static JsonObject Container(JsonArray containers, string name) =>
        containers.Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    private static string Env(JsonObject container, string name) =>
        container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == name)!["value"]!.GetValue<string>();

    private static string MountedVolume(JsonObject container, string path) =>
        container["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == path)!["name"]!.GetValue<string>();
}
