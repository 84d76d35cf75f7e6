using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>
/// Class fixture: after every test of a class has run, no socket, ring, epoll or eventfd descriptor the class opened
/// is still open. (Each <see cref="TestHost"/> separately asserts that its pools got every block back.)
/// </summary>
/// <remarks>Files are not counted: the runtime keeps every assembly it loads open, and tests load new ones.</remarks>
public sealed class LeakCheck : IAsyncLifetime
{
    private HashSet<string> _before = [];

    public Task InitializeAsync()
    {
        _before = [.. KernelObjectDescriptors()];
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        string[] opened = Opened();
        // Closing is asynchronous (loops and the runtime's socket engine close on their own threads): wait, bounded.
        for (int i = 0; i < 300 && opened.Length > 0; i++)
        {
            await Task.Delay(10);
            opened = Opened();
        }

        Assert.True(opened.Length == 0, $"{opened.Length} descriptor(s) left open by this test class: {string.Join(", ", opened.Take(20))}");
    }

    private string[] Opened() => [.. KernelObjectDescriptors().Where(fd => !_before.Contains(fd))];

    /// <summary>"fd -> target" for sockets and anonymous inodes (io_uring, epoll, eventfd) open in this process.</summary>
    private static IEnumerable<string> KernelObjectDescriptors()
    {
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }

            if (target is not null && (target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("anon_inode:", StringComparison.Ordinal)))
            {
                yield return $"{Path.GetFileName(path)} -> {target}";
            }
        }
    }
}
