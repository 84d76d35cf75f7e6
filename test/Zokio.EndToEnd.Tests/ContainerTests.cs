namespace Zokio.EndToEnd.Tests;

/// <summary>deploy/: Podman's profile does what it is for in a real container, and the check leaves no container behind.</summary>
public class ContainerTests
{
    [ContainerFact]
    public async Task Published_sample_in_a_container_gets_epoll_with_the_default_profile_and_io_uring_with_Zokio_s()
    {
        string[] before = await ContainerNamesAsync();
        Command.Result run = await Command.RunAsync(Path.Combine(Repository.Root, "deploy", "run-in-container.sh"), [], Repository.Root, TimeSpan.FromMinutes(6));

        Assert.True(run.ExitCode == 0, $"deploy/run-in-container.sh exited with {run.ExitCode}:{Environment.NewLine}{Command.Tail(run.Output, 80)}");
        Assert.Contains("OK: default-seccomp served /healthz and /plaintext on Epoll", run.Output);
        Assert.Contains("OK: zokio-seccomp served /healthz and /plaintext on IoUring", run.Output);
        // The containers it ran, running or exited, are gone.
        Assert.Empty((await ContainerNamesAsync()).Except(before));
    }

    private static async Task<string[]> ContainerNamesAsync()
    {
        Command.Result list = (await Command.RunAsync("podman", ["ps", "--all", "--format", "{{.Names}}"], null, TimeSpan.FromMinutes(1))).EnsureSuccess("podman ps --all");
        return list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
