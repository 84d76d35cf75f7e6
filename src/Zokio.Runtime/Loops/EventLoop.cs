using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Epoll;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.IoUring;
using Zokio.Runtime.Memory;
using Zokio.Runtime.Native;
using Zokio.Runtime.Scheduling;
using Zokio.Runtime.Time;

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

    [ThreadStatic]
    private static EventLoop? t_current;

    private readonly EventLoopGroup _group;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<WorkItem> _work = new();
    private readonly Stack<NativeSocketBuffers> _socketBuffers = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OperationRegistry _operations = new();
    private readonly LoopHandOff _handOff;
    private readonly Action<LoopThread> _startSuccessor;
    private readonly Lock _afterStopLock = new();
    private readonly bool _stealing;
    private volatile LoopBackend? _backend;
    private TimerWheel? _timers;
    private int _ownerThreadId;
    private int _sleeping;
    private volatile bool _stopRequested;
    private volatile bool _exited;

    // Set when another thread queued work since the loop last slept: a hint, so plain races are harmless.
    private bool _remoteWork;

    internal EventLoop(EventLoopGroup group, int index, ILogger logger)
    {
        _group = group;
        _logger = logger;
        Index = index;
        Options = group.Options;
        _handOff = new LoopHandOff(this, logger, handOffWhenBlocked: Options.ApplicationScheduling == ApplicationScheduling.Adaptive);
        // Made once: the stall detector checks every loop several times per threshold.
        _startSuccessor = StartSuccessor;
        MemoryPool = new SlabMemoryPool(Options.TrackMemoryLeaks);
        Counters = new LoopCounters();
        _stealing = Options.WorkStealing && Options.LoopCount > 1;
        LoopScheduler = new LoopTaskScheduler(this);
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
    public TaskScheduler TaskScheduler => LoopScheduler;

    /// <summary>True when called on the thread that currently runs this loop.</summary>
    public bool IsOnLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _ownerThreadId);

    /// <summary>Where application code for this loop's connections runs, per <see cref="ApplicationScheduling"/>.</summary>
    /// <summary>
    /// Where application work of this loop's connections runs, per <see cref="EventLoopGroupOptions.ApplicationScheduling"/>:
    /// the loop itself, the thread pool, or the loop unless it is handed off (adaptive). A pipe's application side uses it.
    /// </summary>
    public PipeScheduler ApplicationScheduler { get; }

    internal EventLoopGroupOptions Options { get; }

    internal LoopTaskScheduler LoopScheduler { get; }

    internal LoopCounters Counters { get; }

    /// <summary>The loop's operations by token, shared by every backend the loop has had (see <see cref="HandOff.IoMigration"/>).</summary>
    internal OperationRegistry Operations => _operations;

    internal LoopBackend IoBackend => _backend ?? throw new InvalidOperationException($"Event loop {Index} has not started.");

    internal long Iterations { get; private set; }

    internal long Completions { get; private set; }

    /// <summary>Items waiting in the run queue and the spawn queue.</summary>
    internal long QueueLength => _work.Count + _spawned.Count;

    /// <summary>
    /// What application work is running on this loop now (an HttpContext, say), set by the code that runs it (on the
    /// loop thread) so a stall report names it; formatted only when a stall is reported.
    /// </summary>
    public object? ApplicationContext { get; set; }

    /// <summary>Turns an <see cref="ApplicationContext"/> into a label such as "GET /orders" (ToString() when null); set once by the HTTP layer.</summary>
    public static Func<object, string>? ApplicationContextFormatter { get; set; }

    /// <summary>True while a hand-off has sent this loop's application work to the thread pool.</summary>
    internal bool IsDivertingApplicationWork => _handOff.IsDivertingApplicationWork;

    /// <summary>Native send buffers (msghdr and iovecs) for a socket of this loop; loop thread only.</summary>
    internal NativeSocketBuffers RentSocketBuffers()
    {
        Debug.Assert(IsOnLoopThread);
        return _socketBuffers.TryPop(out NativeSocketBuffers? buffers) ? buffers : new NativeSocketBuffers();
    }

    /// <summary>Gives socket buffers back once no operation points at them; loop thread only.</summary>
    internal void ReturnSocketBuffers(NativeSocketBuffers buffers)
    {
        Debug.Assert(IsOnLoopThread);
        if (_socketBuffers.Count < MaxPooledSocketBuffers && !_exited)
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
        if (_exited)
        {
            // The loop has exited (perhaps while this was queued, after its last look at the queue): nothing else will run it.
            RunAfterExit();
            return;
        }

        if (Environment.CurrentManagedThreadId != _ownerThreadId)
        {
            if (!_remoteWork)
            {
                _remoteWork = true;
            }

            // The loop's own thread (queuing while it dispatches completions) is awake and runs the item next iteration.
            WakeIfSleeping();
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
    private void Run(LoopBackendKind kind, LoopThread? previous)
    {
        LoopBackend? backend;
        if (previous is null)
        {
            try
            {
                backend = CreateBackend(kind);
                _timers = new TimerWheel(Stopwatch.GetTimestamp());
            }
            catch (Exception ex)
            {
                _started.TrySetException(ex);
                _stopped.TrySetResult();
                return;
            }
        }
        else
        {
            backend = _handOff.TakeOver(previous, () => CreateBackend(kind));
            if (backend is null)
            {
                return;
            }
        }

        LoopThread self = new(Native.ThreadState.CurrentThreadId(), backend);
        _backend = backend;
        Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);
        _handOff.BecomeOwner(self);
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
            _started.TrySetResult();
        }
        else
        {
            _handOff.CompleteTakeOver(previous);
        }

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

        if (ownsLoop)
        {
            Exit(backend);
        }
    }

    /// <summary>After the last iteration: releases the loop's resources; work queued from now on runs at once (<see cref="RunAfterExit"/>).</summary>
    private void Exit(LoopBackend backend)
    {
        lock (_afterStopLock)
        {
            _backend = new ClosedBackend(backend.Kind);
            backend.Dispose();
            _exited = true;
            // Pairs with the enqueuers' second look at _exited after queuing: either they see it, or this sees their item.
            Interlocked.MemoryBarrier();
            // Work that raced with the exit: run it now, against the closed backend.
            RunLeftOverWork();
            StopTimers();
        }

        while (_socketBuffers.TryPop(out NativeSocketBuffers? buffers))
        {
            buffers.Dispose();
        }

        MemoryPool.Dispose();
        t_current = null;
        _stopped.TrySetResult();
    }

    /// <summary>
    /// Work queued after the loop exited (a connection closed late, say) runs at once on the caller, one item at a
    /// time, as if on the loop: its I/O completes with -ECANCELED and fds are still closed, so nothing leaks or hangs.
    /// </summary>
    private void RunAfterExit()
    {
        lock (_afterStopLock)
        {
            int previousOwner = _ownerThreadId;
            Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);
            try
            {
                RunLeftOverWork();
            }
            finally
            {
                Volatile.Write(ref _ownerThreadId, previousOwner);
            }
        }
    }

    private void RunLeftOverWork()
    {
        while (_work.TryDequeue(out WorkItem item))
        {
            InvokeSafely(item);
        }

        while (_spawned.TryDequeue(out SpawnedWork? work))
        {
            InvokeSafely(work);
        }
    }

    private void InvokeSafely(SpawnedWork work)
    {
        try
        {
            work.Run();
        }
        catch (Exception ex)
        {
            RuntimeLog.WorkAfterStopFailed(_logger, Index, ex);
        }
    }

    private void InvokeSafely(in WorkItem item)
    {
        try
        {
            item.Invoke();
        }
        catch (Exception ex)
        {
            RuntimeLog.WorkAfterStopFailed(_logger, Index, ex);
        }
    }

    private LoopBackend CreateBackend(LoopBackendKind kind)
    {
        if (kind == LoopBackendKind.IoUring)
        {
            // Adaptive scheduling keeps SINGLE_ISSUER and DEFER_TASKRUN: a hand-off gives the successor a ring of its own.
            return IoUringBackend.TryCreate(Options.RingEntries, singleIssuer: true, Options.ReceiveBuffers, _operations, out _, out string? reason)
                ?? throw new PlatformNotSupportedException($"Zokio event loop {Index} could not start io_uring: {reason}.");
        }

        return EpollBackend.TryCreate(out string? epollReason)
            ?? throw new PlatformNotSupportedException($"Zokio event loop {Index} could not start epoll: {epollReason}.");
    }

    /// <summary>Runs the loop until stopped; returns false when another thread took the loop over (hand-off).</summary>
    /// <remarks>
    /// One iteration is a method of its own (<see cref="RunIteration"/>). This method is entered once and loops for the
    /// loop's whole life, so the JIT can only move it off Tier0 by on-stack replacement: OSR code, never rejitted at
    /// Tier1 with the method's PGO profile, which showed as 1.8 % of a loaded core (self). A method called once per
    /// iteration tiers up like any hot method (call counting, instrumented tier, Tier1 with PGO). It is not inlined here,
    /// where it would land in OSR code again; AggressiveOptimization is no answer either, as it turns tiered PGO off.
    /// </remarks>
    private bool RunIterations(LoopThread self)
    {
        LoopBackend backend = self.Backend;
        TimerWheel timers = _timers!;
        IterationOutcome outcome;
        do
        {
            outcome = RunIteration(self, backend, timers);
        }
        while (outcome == IterationOutcome.Continue);

        return outcome == IterationOutcome.Stopped;
    }

    /// <summary>How an iteration ended.</summary>
    private enum IterationOutcome : byte
    {
        /// <summary>Run the next one.</summary>
        Continue,

        /// <summary>The loop was asked to stop and is idle: the caller exits it.</summary>
        Stopped,

        /// <summary>Another thread took the loop over (hand-off): this one leaves it.</summary>
        HandedOff,
    }

    /// <summary>
    /// One iteration: queued work, due timers, then one call into the kernel (blocking when idle) and the completions it
    /// reaped.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private IterationOutcome RunIteration(LoopThread self, LoopBackend backend, TimerWheel timers)
    {
        if (!RunQueuedWork(self))
        {
            return IterationOutcome.HandedOff;
        }

        long now = Stopwatch.GetTimestamp();
        timers.Advance(now);

        if (_stopRequested && IsIdle)
        {
            return IterationOutcome.Stopped;
        }

        bool block = IsIdle;
        if (block && CanSteal && TrySteal())
        {
            // Stolen spawned work is in this loop's queue now: run it before anything else.
            block = false;
        }

        if (block && _remoteWork)
        {
            // Other threads have been handing this loop work (an HTTP/2 stream's response from the thread pool,
            // say): give the core away once before sleeping, so the next item, often produced meanwhile, costs no
            // eventfd wake-up. Measured with h2load on one core: 0.83x of Sockets without the yield, parity with it.
            // Loops fed only by their own I/O skip it and sleep at once (a NOP round trip stays ~0.45 us).
            // Operations queued on the ring go to the kernel first: the responses this iteration queued (sends of what
            // the thread pool flushed) would otherwise wait for as long as the threads the core goes to run, while
            // epoll has sent them already, and the client waits with the server's core idle.
            _remoteWork = false;
            backend.SubmitQueued();
            Thread.Yield();
            block = IsIdle;
        }

        long timeout = 0;
        bool countedAsSleeping = false;
        if (block)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (CanSteal)
            {
                // Counted (a full fence) before looking at other loops' backlogs; see EnqueueSpawned.
                _group.EnterSleep();
                countedAsSleeping = true;
            }

            if (!IsIdle || _stopRequested || (countedAsSleeping && _group.HasStealableBacklogBesides(this)))
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

        if (countedAsSleeping)
        {
            _group.LeaveSleep();
        }

        Iterations++;
        return IterationOutcome.Continue;
    }

    private bool RunQueuedWork(LoopThread self)
    {
        for (int i = 0; i < MaxWorkPerIteration && _work.TryDequeue(out WorkItem item); i++)
        {
            if (!item.IsApplication)
            {
                InvokeGuarded(item);
                continue;
            }

            if (_handOff.IsDivertingApplicationWork)
            {
                // A predecessor is still blocked in application work: this thread only does I/O until it returns.
                System.Threading.ThreadPool.UnsafeQueueUserWorkItem(static item => item.Invoke(), item, preferLocal: false);
                continue;
            }

            self.BeginApplicationWork(Environment.TickCount64);
            InvokeGuarded(item);
            if (!self.EndApplicationWork() && LeaveAfterHandOff(self))
            {
                return false;
            }
        }

        return RunSpawnedWork(self);
    }

    /// <summary>
    /// Runs one work item; an exception it throws is that item's bug (one connection's, at worst): it is logged and
    /// counted, and the loop goes on serving every other connection.
    /// </summary>
    private void InvokeGuarded(in WorkItem item)
    {
        try
        {
            item.Invoke();
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref Counters.WorkItemFailures);
            RuntimeLog.WorkItemFailed(_logger, Index, ex);
        }
    }

    /// <summary>Called by the stall detector; see <see cref="LoopHandOff.CheckForStall"/>.</summary>
    internal void CheckForStall(long nowTicks, long thresholdMs, GcPauseHistory gcPauses) => _handOff.CheckForStall(nowTicks, thresholdMs, gcPauses, _startSuccessor);

    /// <summary>Starts the thread that takes the loop over from <paramref name="previous"/>, blocked in application work.</summary>
    private void StartSuccessor(LoopThread previous)
    {
        LoopBackendKind kind = Backend;
        Thread successor = new(() => Run(kind, previous))
        {
            IsBackground = true,
            Name = $"zokio-loop-{Index}",
        };
        successor.Start();
    }

    /// <summary>A label for the application work running now, for stall and hand-off reports.</summary>
    internal string DescribeApplicationWork()
    {
        object? context = ApplicationContext;
        return context is null ? "(unknown)" : ApplicationContextFormatter?.Invoke(context) ?? context.ToString() ?? "(unknown)";
    }

    /// <summary>
    /// On the old thread, once its blocking work has returned after a hand-off: leaves the loop to its successor after
    /// draining its own backend into it. Returns false when the hand-off failed and this thread keeps the loop.
    /// </summary>
    private bool LeaveAfterHandOff(LoopThread self)
    {
        if (!_handOff.Leave(self))
        {
            return false;
        }

        t_current = null;
        SynchronizationContext.SetSynchronizationContext(null);
        return true;
    }
}
