using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Epoll;
using Zokio.Runtime.Io;
using Zokio.Runtime.IoUring;

namespace Zokio.Runtime.Loops;

/// <summary>
/// A set of event loops, one per core by default, sharing one backend choice. Connections are spread over the loops
/// and each stays on its loop for life.
/// </summary>
public sealed partial class EventLoopGroup : IAsyncDisposable, IDisposable
{
    private readonly EventLoop[] _loops;
    private readonly ILogger _logger;
    private readonly StallDetector _stallDetector;
    private readonly int[] _pinCpus;
    private int _next = -1;
    private int _disposed;

    private EventLoopGroup(EventLoopGroupOptions options, ILogger logger)
    {
        Options = options;
        _logger = logger;
        // Read on the thread that starts the group, before any loop pins itself: its mask is the process's (taskset,
        // a container's cpuset), which CPU ids such as "index modulo ProcessorCount" would ignore.
        _pinCpus = options.PinThreads ? Native.ThreadAffinity.GetCurrentThreadCpus() : [];
        _loops = new EventLoop[options.LoopCount];
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new EventLoop(this, i, logger);
        }

        _stallDetector = new StallDetector(_loops, options.StallThreshold);
    }

    /// <summary>The loops, in index order.</summary>
    public IReadOnlyList<EventLoop> Loops => _loops;

    /// <summary>The backend every loop of this group uses.</summary>
    public LoopBackendKind Backend { get; private set; }

    /// <summary>Why <see cref="LoopBackendKind.Auto"/> chose epoll, or null.</summary>
    public string? FallbackReason { get; private set; }

    /// <summary>The runtime's logger ("Zokio.Runtime").</summary>
    internal ILogger Logger => _logger;

    /// <summary>The settings the group was started with.</summary>
    public EventLoopGroupOptions Options { get; }

    /// <summary>Validates <paramref name="options"/>, picks the backend and starts every loop.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">The requested backend is unavailable here.</exception>
    public static EventLoopGroup Start(EventLoopGroupOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new EventLoopGroupOptions();
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Zokio.Runtime");
        EventLoopGroup group = new(options, logger);
        try
        {
            group.StartLoops();
        }
        catch
        {
            group.Dispose();
            throw;
        }

        return group;
    }

    /// <summary>Whether this machine can run a backend: Linux with io_uring or epoll.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    private void StartLoops()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException($"Zokio's event loops run on Linux only (io_uring or epoll); this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        }

        LoopBackendKind backend = Options.Backend;
        if (backend == LoopBackendKind.Auto)
        {
            backend = ProbeIoUring(out string? reason) ? LoopBackendKind.IoUring : LoopBackendKind.Epoll;
            FallbackReason = reason;
            if (reason is not null)
            {
                RuntimeLog.IoUringUnavailable(_logger, reason);
                ZokioEventSource.Log.IoUringUnavailable(reason);
            }
        }

        Backend = backend;
        Task.WaitAll([.. _loops.Select(loop => loop.StartAsync(backend))]);
        RuntimeLog.LoopsStarted(_logger, _loops.Length, backend, _loops[0].IoBackend.Description);
        ZokioEventSource.Log.GroupStarted(this);
        ZokioMetrics.Register(this);
        _stallDetector.Start();
    }

    private static bool ProbeIoUring(out string? reason)
    {
        // A throwaway ring on this thread, without SINGLE_ISSUER so it binds to no thread; each loop makes its own.
        using IoUringBackend? probe = IoUringBackend.TryCreate(8, singleIssuer: false, receiveBuffers: 0, new OperationRegistry(), out _, out reason);
        return probe is not null;
    }

    /// <summary>
    /// The CPU loop <paramref name="index"/> is pinned to with <see cref="EventLoopGroupOptions.PinThreads"/>: the
    /// index-th CPU (modulo their count) this process may run on, or null when pinning is off or no CPU is known.
    /// </summary>
    internal int? PinCpu(int index) => _pinCpus.Length == 0 ? null : _pinCpus[index % _pinCpus.Length];

    /// <summary>The next loop in round-robin order, for spreading new connections.</summary>
    public EventLoop Next()
    {
        uint index = (uint)Interlocked.Increment(ref _next);
        return _loops[index % (uint)_loops.Length];
    }

    /// <summary>Memory blocks rented from all loops' pools and not returned.</summary>
    public long OutstandingMemoryBlocks => _loops.Sum(loop => loop.MemoryPool.Outstanding);

    /// <summary>Stops every loop after it has run the work already queued, and waits for their threads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stallDetector.Dispose();
        ZokioMetrics.Unregister(this);
        foreach (EventLoop loop in _loops)
        {
            long outstanding = loop.MemoryPool.Outstanding;
            if (outstanding > 0)
            {
                IReadOnlyList<string> report = loop.MemoryPool.GetLeakReport();
                string details = report.Count == 0 ? " Set TrackMemoryLeaks to see where they were rented." : Environment.NewLine + string.Join(Environment.NewLine + "---" + Environment.NewLine, report);
                RuntimeLog.MemoryLeaked(_logger, loop.Index, outstanding, details);
            }
        }

        await Task.WhenAll(_loops.Select(loop => loop.StopAsync())).ConfigureAwait(false);
        ZokioEventSource.Log.GroupStopped(this);
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
