namespace Zokio.EndToEnd.Tests;

/// <summary>
/// A test that runs containers with podman; skipped, with the reason, where podman cannot be installed or cannot run a
/// container on this machine (deploy/run-in-container.sh --probe says which).
/// </summary>
internal sealed class ContainerFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    public ContainerFactAttribute()
    {
        Skip = s_unavailable.Value;
    }

    private static string? Probe()
    {
        if (DebianPackages.Ensure(["podman", "runc", "jq", "curl"], ["podman", "runc", "jq", "curl"]) is { } missing)
        {
            return missing;
        }

        Command.Result probe = Command.RunAsync(Path.Combine(Repository.Root, "deploy", "run-in-container.sh"), ["--probe"], Repository.Root, TimeSpan.FromMinutes(2))
            .GetAwaiter().GetResult();
        return probe.ExitCode == 0 ? null : $"deploy/run-in-container.sh --probe: {Command.Tail(probe.Output, 3)}";
    }
}
