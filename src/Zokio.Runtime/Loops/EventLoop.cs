using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Epoll;
using Zokio.Runtime.IoUring;
using Zokio.Runtime.Memory;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Loops;

/// <summary>
/// One event loop: a dedicated thread that owns one kernel backend (an io_uring ring, or epoll), a run queue, a timer
/// wheel and a memory pool. It is a <see cref="PipeScheduler"/>: work scheduled on it runs on its thread.
/// </summary>
/// <remarks>
/// Each iteration runs a bounded batch of queued work, fires due timers, then hands queued operations to the kernel
/// and waits for completions in one call. Other threads wake a waiting loop with one eventfd write, and only when the
/// loop has said it is about to wait, so a busy loop takes no wake-ups at all.
/// </remarks>
public sealed partial class EventLoop : PipeScheduler
{
    private const int MaxWorkPerIteration = 1024;

    // Enough for every connection of a busy loop that is sending at one moment; the rest are freed.
    private const int MaxPooledSocketBuffers = 256;

    // LoopThread.ApplicationWorkStartedAt holds this once a new thread owns the loop and the old one may only finish
    // the blocking work it is in.
    private const long HandedOff = -1;

    [ThreadStatic]
    private static EventLoop? t_current;

    private readonly EventLoopGroup _group;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<WorkItem> _work = new();
    private readonly Stack<NativeSocketBuffers> _socketBuffers = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _handOffWhenBlocked;
    private volatile LoopBackend? _backend;
    private TimerWheel? _timers;
    private int _ownerThreadId;
    private int _sleeping;
    private volatile bool _stopRequested;

    // Set when another thread queued work since the loop last slept: a hint, so plain races are harmless.
    private bool _remoteWork;

    // The thread running the loop now; replaced on a hand-off, so the old thread's state stays its own.
    private volatile LoopThread? _loopThread;
    private volatile bool _divertApplicationWork;

    internal EventLoop(EventLoopGroup group, int index, ILogger logger)
    {
        _group = group;
        _logger = logger;
        Index = index;
        Options = group.Options;
        _handOffWhenBlocked = Options.ApplicationScheduling == ApplicationScheduling.Adaptive;
        MemoryPool = new SlabMemoryPool(Options.TrackMemoryLeaks);
        Counters = new LoopCounters();
        TaskScheduler = new LoopTaskScheduler(this);
        ApplicationScheduler = Options.ApplicationScheduling switch
        {
            ApplicationScheduling.ThreadPool => ThreadPool,
            _ => new ApplicationWorkScheduler(this),
        };
    }

    /// <summary>The loop whose thread is running the caller, or null.</summary>
    public static EventLoop? Current => t_current is { } loop && loop.IsOnLoopThread ? loop : null;

    /// <summary>The loop's position in its group, from 0.</summary>
    public int Index { get; }

    /// <summary>The group this loop belongs to.</summary>
    public EventLoopGroup Group => _group;

    /// <summary>The kernel interface this loop uses.</summary>
    public LoopBackendKind Backend => _backend?.Kind ?? Options.Backend;

    /// <summary>Pinned memory for buffers of this loop's I/O.</summary>
    public SlabMemoryPool MemoryPool { get; }

    /// <summary>A <see cref="System.Threading.Tasks.TaskScheduler"/> that runs tasks on this loop.</summary>
    public TaskScheduler TaskScheduler { get; }

    /// <summary>True when called on the thread that currently runs this loop.</summary>
    public bool IsOnLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _ownerThreadId);

    /// <summary>Where application code for this loop's connections runs, per <see cref="ApplicationScheduling"/>.</summary>
    internal PipeScheduler ApplicationScheduler { get; }

    internal EventLoopGroupOptions Options { get; }

    internal LoopCounters Counters { get; }

    internal LoopBackend IoBackend => _backend ?? throw new InvalidOperationException($"Event loop {Index} has not started.");

    internal long Iterations { get; private set; }

    internal long Completions { get; private set; }

    internal long QueueLength => _work.Count;

    /// <summary>What application work is running now (an HttpContext, say), for stall reports; formatted only when one is reported.</summary>
    internal object? ApplicationContext { get; set; }

    /// <summary>Turns <see cref="ApplicationContext"/> into a label such as "GET /orders"; set by the HTTP layer.</summary>
    internal static Func<object, string>? ApplicationContextFormatter { get; set; }

    /// <summary>True while the stall detector has sent this loop's application work to the thread pool.</summary>
    internal bool IsDivertingApplicationWork => _divertApplicationWork;

    /// <summary>Native send/accept/connect buffers for a socket of this loop; loop thread only.</summary>
    internal NativeSocketBuffers RentSocketBuffers()
    {
        Debug.Assert(IsOnLoopThread);
        return _socketBuffers.TryPop(out NativeSocketBuffers? buffers) ? buffers : new NativeSocketBuffers();
    }

    /// <summary>Gives socket buffers back once no operation points at them; loop thread only.</summary>
    internal void ReturnSocketBuffers(NativeSocketBuffers buffers)
    {
        Debug.Assert(IsOnLoopThread);
        if (_socketBuffers.Count < MaxPooledSocketBuffers)
        {
            _socketBuffers.Push(buffers);
        }
        else
        {
            buffers.Dispose();
        }
    }

    /// <summary>Queues <paramref name="action"/> to run on this loop's thread. Safe from any thread.</summary>
    public override void Schedule(Action<object?> action, object? state) => Enqueue(WorkItem.Loop(action, state));

    /// <summary>Queues application work: it may block, so the stall detector watches it.</summary>
    internal void ScheduleApplication(Action<object?> action, object? state) => Enqueue(WorkItem.Application(action, state));

    /// <summary>Queues a <see cref="SynchronizationContext"/> post as application work, without allocating.</summary>
    internal void Post(SendOrPostCallback callback, object? state) => Enqueue(WorkItem.Posted(callback, state));

    private void Enqueue(in WorkItem item)
    {
        _work.Enqueue(item);
        if (Environment.CurrentManagedThreadId != _ownerThreadId && !_remoteWork)
        {
            _remoteWork = true;
        }

        // Pairs with the loop's Interlocked.Exchange(ref _sleeping, 1) then IsEmpty check: one of the two sides sees the other.
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _backend?.Wake();
        }
    }

    internal Task StartAsync(LoopBackendKind backend)
    {
        Thread thread = new(() => Run(backend, previous: null))
        {
            IsBackground = true,
            Name = $"zokio-loop-{Index}",
        };
        thread.Start();
        return _started.Task;
    }

    internal Task StopAsync()
    {
        _stopRequested = true;
        _backend?.Wake();
        return _stopped.Task;
    }

    /// <summary>The body of a loop thread: the first one (<paramref name="previous"/> null), or a successor taking over a blocked one.</summary>
    private void Run(LoopBackendKind backend, LoopThread? previous)
    {
        LoopThread self = new(Native.ThreadState.CurrentThreadId());
        if (previous is not null && !TryTakeOver(backend, previous))
        {
            return;
        }

        _loopThread = self;
        Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);
        t_current = this;
        if (_group.PinCpu(Index) is int cpu)
        {
            Native.ThreadAffinity.TryPinCurrentThread(cpu);
        }

        if (Options.ApplicationScheduling != ApplicationScheduling.ThreadPool)
        {
            SynchronizationContext.SetSynchronizationContext(new LoopSynchronizationContext(this));
        }

        if (previous is null)
        {
            try
            {
                _backend = CreateBackend(backend);
                _timers = new TimerWheel(Stopwatch.GetTimestamp());
            }
            catch (Exception ex)
            {
                _started.TrySetException(ex);
                _stopped.TrySetResult();
                return;
            }

            _started.TrySetResult();
        }

        self.Backend = _backend!;
        bool ownsLoop = true;
        try
        {
            ownsLoop = RunIterations(self);
        }
        catch (Exception ex)
        {
            // A dead loop would leave its connections hung with no error anywhere: fail loudly, as the thread pool does.
            RuntimeLog.LoopFailed(_logger, Index, ex);
            Environment.FailFast($"Zokio event loop {Index} failed: {ex}", ex);
        }
        finally
        {
            if (ownsLoop)
            {
                _backend?.Dispose();
                MemoryPool.Dispose();
                while (_socketBuffers.TryPop(out NativeSocketBuffers? buffers))
                {
                    buffers.Dispose();
                }

                _stopped.TrySetResult();
            }
        }
    }

    private LoopBackend CreateBackend(LoopBackendKind kind)
    {
        if (kind == LoopBackendKind.IoUring)
        {
            // Adaptive scheduling keeps SINGLE_ISSUER and DEFER_TASKRUN: a hand-off gives the successor a ring of its own.
            return IoUringBackend.TryCreate(Options.RingEntries, singleIssuer: true, out _, out string? reason)
                ?? throw new PlatformNotSupportedException($"Zokio event loop {Index} could not start io_uring: {reason}.");
        }

        return EpollBackend.TryCreate(out string? epollReason)
            ?? throw new PlatformNotSupportedException($"Zokio event loop {Index} could not start epoll: {epollReason}.");
    }

    /// <summary>Runs the loop until stopped; returns false when another thread took the loop over (hand-off).</summary>
    private bool RunIterations(LoopThread self)
    {
        LoopBackend backend = _backend!;
        TimerWheel timers = _timers!;
        while (true)
        {
            if (!RunQueuedWork(self))
            {
                return false;
            }

            long now = Stopwatch.GetTimestamp();
            timers.Advance(now);

            if (_stopRequested && _work.IsEmpty)
            {
                return true;
            }

            bool block = _work.IsEmpty;
            if (block && _remoteWork)
            {
                // Other threads have been handing this loop work (an HTTP/2 stream's response from the thread pool,
                // say): give the core away once before sleeping, so the next item, often produced meanwhile, costs no
                // eventfd wake-up. Measured with h2load on one core: 0.83x of Sockets without the yield, parity with it.
                // Loops fed only by their own I/O skip it and sleep at once (a NOP round trip stays ~0.45 us).
                _remoteWork = false;
                Thread.Yield();
                block = _work.IsEmpty;
            }

            long timeout = 0;
            if (block)
            {
                Interlocked.Exchange(ref _sleeping, 1);
                if (!_work.IsEmpty || _stopRequested)
                {
                    Volatile.Write(ref _sleeping, 0);
                    block = false;
                }
                else
                {
                    timeout = timers.NanosecondsUntilNext(now);
                }
            }

            Completions += backend.Poll(block, timeout);
            if (block)
            {
                Volatile.Write(ref _sleeping, 0);
            }

            Iterations++;
        }
    }

    private bool RunQueuedWork(LoopThread self)
    {
        for (int i = 0; i < MaxWorkPerIteration && _work.TryDequeue(out WorkItem item); i++)
        {
            if (!item.IsApplication)
            {
                item.Invoke();
                continue;
            }

            Volatile.Write(ref self.ApplicationWorkStartedAt, Environment.TickCount64);
            item.Invoke();
            // Only this thread and the detector's one compare-and-swap ever write this thread's field, so the swap
            // tells for certain whether the loop was handed to another thread while this work ran.
            if (Interlocked.Exchange(ref self.ApplicationWorkStartedAt, 0) == HandedOff && LeaveAfterHandOff(self))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Called by the stall detector: reports application work running past the threshold and, in adaptive mode,
    /// starts a new thread for the loop's I/O while the blocked one finishes.
    /// </summary>
    internal void CheckForStall(long nowTicks, long thresholdMs)
    {
        LoopThread? thread = _loopThread;
        if (thread is null)
        {
            return;
        }

        long startedAt = Volatile.Read(ref thread.ApplicationWorkStartedAt);
        if (startedAt <= 0 || nowTicks - startedAt < thresholdMs || startedAt == thread.LastReportedStall)
        {
            return;
        }

        // A thread that is running, or waiting for a CPU (a busy machine, the moments after a GC pause), is not
        // blocked: handing its loop to yet another thread would only add threads. Only a sleeping thread counts.
        if (!Native.ThreadState.IsBlocked(thread.KernelThreadId))
        {
            return;
        }

        thread.LastReportedStall = startedAt;
        Interlocked.Increment(ref Counters.Stalls);
        object? context = ApplicationContext;
        string label = context is null ? "(unknown)" : ApplicationContextFormatter?.Invoke(context) ?? context.ToString() ?? "(unknown)";
        if (!_handOffWhenBlocked)
        {
            RuntimeLog.LoopStalled(_logger, Index, nowTicks - startedAt, label);
            return;
        }

        if (Interlocked.CompareExchange(ref thread.ApplicationWorkStartedAt, HandedOff, startedAt) != startedAt)
        {
            return;
        }

        RuntimeLog.LoopHandedOff(_logger, Index, nowTicks - startedAt, label);
        _divertApplicationWork = true;
        Interlocked.Increment(ref Counters.HandOffs);
        Thread successor = new(() => Run(Backend, previous: thread))
        {
            IsBackground = true,
            Name = $"zokio-loop-{Index}",
        };
        successor.Start();
    }

    /// <summary>
    /// On a successor thread: takes the loop over from the blocked <paramref name="previous"/> thread. A backend
    /// that the kernel ties to its thread is replaced by a new one here, which re-issues the old one's pending waits.
    /// Returns false (and gives the loop back) if the new backend cannot be made.
    /// </summary>
    private bool TryTakeOver(LoopBackendKind kind, LoopThread previous)
    {
        try
        {
            LoopBackend old = previous.Backend!;
            if (old.IsThreadBound)
            {
                LoopBackend replacement = CreateBackend(kind);
                replacement.AdoptWaitsFrom(old);
                _backend = replacement;
            }

            return true;
        }
        catch (Exception ex)
        {
            RuntimeLog.HandOffFailed(_logger, Index, ex);
            previous.HandOffFailed = true;
            return false;
        }
        finally
        {
            previous.HandOffDone.Set();
        }
    }

    /// <summary>
    /// On the old thread, once its blocking work has returned after a hand-off: waits until the successor has taken
    /// over, then finishes the operations its own backend still holds and exits. Returns false when the hand-off
    /// failed and this thread keeps the loop.
    /// </summary>
    private bool LeaveAfterHandOff(LoopThread self)
    {
        self.HandOffDone.Wait();
        _divertApplicationWork = false;
        if (self.HandOffFailed)
        {
            self.HandOffFailed = false;
            self.HandOffDone.Reset();
            _loopThread = self;
            Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);
            return false;
        }

        RuntimeLog.LoopRecovered(_logger, Index);
        t_current = null;
        if (self.Backend != _backend)
        {
            // Completions of what this thread submitted run on the successor, in the order the kernel gave them.
            self.Backend!.DrainAfterHandOff((operation, result) => Schedule(static state =>
            {
                (IoOperation op, int res) = ((IoOperation, int))state!;
                op.InFlight = false;
                op.OnCompleted(res);
            }, (operation, result)));
        }

        return true;
    }

    /// <summary>What the stall detector knows of one thread that runs (or ran) this loop.</summary>
    private sealed class LoopThread(int kernelThreadId)
    {
        public readonly int KernelThreadId = kernelThreadId;

        /// <summary>Set by a successor once it has taken over (or failed to), so the old thread knows it may leave.</summary>
        public readonly ManualResetEventSlim HandOffDone = new();

        /// <summary>The backend this thread submitted to.</summary>
        public LoopBackend? Backend;
        public bool HandOffFailed;

        // Environment.TickCount64 when the current application work started, 0 between work items, HandedOff after a
        // hand-off. Written by this thread, and once by the detector's compare-and-swap.
        public long ApplicationWorkStartedAt;
        public long LastReportedStall;
    }
}
