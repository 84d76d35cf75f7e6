namespace Zokio.Testing;

/// <summary>
/// Records which descriptors this process has open (and, on Zokio, how many pool blocks are rented), then asserts that
/// everything opened since is closed again and every block given back, waiting (bounded) because closing runs on the
/// loops' and the runtime's own threads. As a class fixture (<c>IClassFixture&lt;LeakCheck&gt;</c>) it watches every
/// socket, io_uring, epoll and eventfd descriptor a test class opens; <see cref="StartAsync"/> watches one scenario's
/// sockets and pool memory.
/// </summary>
/// <remarks>Files are not watched: the runtime keeps every assembly it loads open, and tests load new ones.</remarks>
public sealed class LeakCheck : IAsyncLifetime
{
    private readonly Func<string, bool> _watched;
    private readonly bool _poolMemory;
    private HashSet<string> _before = [];
    private long _blocksBefore;

    /// <summary>A class fixture: sockets and anonymous inodes (io_uring, epoll, eventfd), no pool memory.</summary>
    public LeakCheck()
        : this(target => IsSocket(target) || target.StartsWith("anon_inode:", StringComparison.Ordinal), poolMemory: false)
    {
    }

    private LeakCheck(Func<string, bool> watched, bool poolMemory)
    {
        _watched = watched;
        _poolMemory = poolMemory;
    }

    /// <summary>
    /// Watches sockets, and the "Zokio" meter's rented blocks when <paramref name="poolMemory"/>, from after
    /// <paramref name="warmUp"/> (one connection served, say) has run and its sockets closed, so state made lazily on
    /// first use is part of the baseline.
    /// </summary>
    public static async Task<LeakCheck> StartAsync(bool poolMemory, Func<Task> warmUp)
    {
        LeakCheck check = new(IsSocket, poolMemory);
        await check.InitializeAsync();
        await warmUp();
        // The warm-up's close runs on the server's threads: let it finish before taking the baseline.
        await Eventually.EqualsAsync(0, () => check.Opened().Length, "sockets the warm-up left open");
        await check.InitializeAsync();
        return check;
    }

    public Task InitializeAsync()
    {
        _before = [.. Descriptors()];
        _blocksBefore = _poolMemory ? OutstandingBlocks() : 0;
        return Task.CompletedTask;
    }

    public async Task AssertNothingLeakedAsync()
    {
        string[] opened = Opened();
        using CancellationTokenSource timeout = new(Backends.Timeout);
        while (opened.Length > 0 && !timeout.IsCancellationRequested)
        {
            await Task.Delay(10);
            opened = Opened();
        }

        Assert.True(opened.Length == 0, $"{opened.Length} descriptor(s) left open: {string.Join(", ", opened.Take(20))}");
        if (_poolMemory)
        {
            await Eventually.EqualsAsync(_blocksBefore, OutstandingBlocks, ZokioMeterReader.MemoryOutstanding);
        }
    }

    public Task DisposeAsync() => AssertNothingLeakedAsync();

    private static bool IsSocket(string target) => target.StartsWith("socket:", StringComparison.Ordinal);

    private static long OutstandingBlocks()
    {
        using ZokioMeterReader meter = new();
        return meter.Read(ZokioMeterReader.MemoryOutstanding);
    }

    private string[] Opened() => [.. Descriptors().Where(fd => !_before.Contains(fd))];

    /// <summary>"fd -> target" for the watched descriptors open in this process.</summary>
    private IEnumerable<string> Descriptors()
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

            if (target is not null && _watched(target))
            {
                yield return $"{Path.GetFileName(path)} -> {target}";
            }
        }
    }
}
