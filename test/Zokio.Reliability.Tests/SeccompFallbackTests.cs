namespace Zokio.Reliability.Tests;

/// <summary>
/// io_uring forbidden by a seccomp profile, as in containers whose profile lacks the io_uring syscalls: the server runs
/// in a child process that installs a filter returning EPERM for one syscall before it starts.
/// </summary>
public class SeccompFallbackTests
{
    public static TheoryData<string> DeniedSyscalls => new() { "io_uring_setup", "io_uring_enter", "io_uring_register" };

    [Theory, MemberData(nameof(DeniedSyscalls))]
    public async Task Auto_falls_back_to_epoll_logs_why_and_serves_when_seccomp_denies(string syscall)
    {
        await using ChildServer server = await ChildServer.StartAsync($"--deny-syscall={syscall}", "--Zokio:Backend=Auto", "--Zokio:LoopCount=2");
        await server.RunAsync(async () =>
        {
            // The console logger writes from its own thread, so these lines may follow "listening": wait for them.
            await server.WaitForLineAsync(line => line.Contains("Zokio is using epoll because io_uring is unavailable", StringComparison.Ordinal) && line.Contains($"{syscall} is blocked by a seccomp filter", StringComparison.Ordinal) && line.Contains("EPERM", StringComparison.Ordinal), 0);
            await server.WaitForLineAsync(line => line.Contains("Zokio started 2 event loop(s) on Epoll", StringComparison.Ordinal), 0);

            using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
            // Several connections, so each loop serves some; several requests each, so each loop iterates.
            for (int connection = 0; connection < 4; connection++)
            {
                using RawConnection client = await RawConnection.ConnectAsync(server.Port, timeout.Token);
                for (int request = 0; request < 5; request++)
                {
                    string id = $"{connection}-{request}";
                    await client.SendAsync($"GET /fast/{id} HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
                    Assert.Equal(id, (await client.ReadResponseAsync(timeout.Token)).BodyText);
                }
            }
        });

        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("ENOSYS")] // as Podman's default profile answers
    [InlineData("EPERM")]  // as Docker's does
    public async Task The_fallback_names_the_seccomp_filter_not_the_kernel(string errno)
    {
        // The kernel has io_uring; only the filter says ENOSYS. The log must not send the operator to a kernel upgrade.
        await using ChildServer server = await ChildServer.StartAsync("--deny-syscall=io_uring_setup", $"--deny-errno={errno}", "--Zokio:Backend=Auto", "--Zokio:LoopCount=1");
        await server.RunAsync(() =>
        {
            string line = Assert.Single(server.Output, line => line.Contains("Zokio is using epoll because io_uring is unavailable", StringComparison.Ordinal));
            Assert.Contains($"io_uring_setup is blocked by a seccomp filter (container default profile; it answered {errno}); see deploy/seccomp", line);
            Assert.DoesNotContain("kernel", line);
            return Task.CompletedTask;
        });

        Assert.Equal(0, await server.StopAsync());
    }

    [Theory, MemberData(nameof(DeniedSyscalls))]
    public async Task Backend_IoUring_fails_at_start_naming_the_refusal_when_seccomp_denies(string syscall)
    {
        // Asked for io_uring explicitly, the server must not fall back, nor start and die at the first wait: it fails
        // to start, and says why.
        (int exitCode, string[] output) = await ChildServer.RunToExitAsync($"--deny-syscall={syscall}", "--Zokio:Backend=IoUring", "--Zokio:LoopCount=2");

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain(output, line => line.StartsWith("listening ", StringComparison.Ordinal));
        Assert.Contains(output, line => line.Contains("could not start io_uring", StringComparison.Ordinal) && line.Contains("EPERM", StringComparison.Ordinal));
    }
}
