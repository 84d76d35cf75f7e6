using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Zokio.Runtime.Time;

namespace Zokio.Runtime.Loops;

/// <summary>
/// A periodic timer on an event loop's timer wheel, made by <see cref="EventLoop.CreatePeriodicTimer"/>; used like
/// <see cref="PeriodicTimer"/>: <c>while (await timer.WaitForNextTickAsync(token)) { ... }</c>.
/// </summary>
/// <remarks>
/// Tick <c>n</c> is due <c>n</c> periods after the timer was created, whatever time the loop or the consumer lost, so
/// the ticks do not drift. Ticks that pass while nobody waits are coalesced: the next wait completes at once, then
/// waits for the next due tick. One consumer at a time. A wait started on a loop resumes on that loop (through its
/// synchronization context); a wait started elsewhere resumes on the thread pool.
/// </remarks>
public sealed class LoopPeriodicTimer : IDisposable
{
    private readonly EventLoop _loop;
    private readonly long _start;
    private readonly long _periodTimestamps;
    private readonly Tick _tick;
    private readonly Lock _lock = new();

    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;
    private long _ticksArmed;
    private bool _waiting;
    private bool _tickPending;
    private bool _disposed;

    internal LoopPeriodicTimer(EventLoop loop, TimeSpan period, long startTimestamp)
    {
        _loop = loop;
        Period = period;
        _start = startTimestamp;
        _periodTimestamps = (long)((Int128)period.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        _tick = new Tick(this);
        loop.Schedule(static state => ((LoopPeriodicTimer)state!).ArmNext(), this);
    }

    /// <summary>The time between ticks.</summary>
    public TimeSpan Period { get; }

    /// <summary>The loop the timer ticks on.</summary>
    public EventLoop Loop => _loop;

    /// <summary>When the timer was created (Stopwatch timestamp): tick <c>n</c> is due <c>n</c> periods later.</summary>
    internal long StartTimestamp => _start;

    /// <summary>The period in Stopwatch timestamp units.</summary>
    internal long PeriodTimestamps => _periodTimestamps;

    /// <summary>The Stopwatch timestamp at which the armed tick is due.</summary>
    internal long NextDueTimestamp => _start + (Volatile.Read(ref _ticksArmed) * _periodTimestamps);

    /// <summary>
    /// Waits for the next tick, or returns at once if a tick passed since the last wait.
    /// </summary>
    /// <param name="cancellationToken">Ends this wait (not the timer) with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True at a tick; false once the timer is disposed.</returns>
    /// <exception cref="InvalidOperationException">Another wait on this timer has not completed yet.</exception>
    public ValueTask<bool> WaitForNextTickAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_waiting)
            {
                throw new InvalidOperationException("A LoopPeriodicTimer has one consumer: the previous WaitForNextTickAsync has not completed yet.");
            }

            // The order of System.Threading.PeriodicTimer: a canceled token wins over a passed tick.
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }

            if (_disposed)
            {
                return new ValueTask<bool>(false);
            }

            if (_tickPending)
            {
                _tickPending = false;
                return new ValueTask<bool>(true);
            }

            _tick.Waiter.Reset();
            _waiting = true;
            _waitToken = cancellationToken;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Registered after _waiting is set, so a cancellation is never missed; the callback checks it is still
            // this wait's token, so a registration that lost the race with a tick cannot end a later wait.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static (state, token) => ((LoopPeriodicTimer)state!).CancelWait(token), this);
            lock (_lock)
            {
                _waitRegistration = registration;
            }
        }

        return new ValueTask<bool>(_tick, _tick.Waiter.Version);
    }

    /// <summary>Stops the timer; a pending wait returns false, and so does every later one.</summary>
    public void Dispose()
    {
        CancellationTokenRegistration registration;
        bool wasWaiting;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            wasWaiting = _waiting;
            _waiting = false;
            registration = _waitRegistration;
            _waitRegistration = default;
        }

        registration.Unregister();
        if (wasWaiting)
        {
            _tick.Waiter.SetResult(false);
        }

        _loop.Schedule(static state => ((LoopPeriodicTimer)state!).RemoveFromWheel(), this);
    }

    /// <summary>Arms the next tick due after now, skipping any the loop was too late for; loop thread only.</summary>
    private void ArmNext()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        long next = ++_ticksArmed;
        if (_start + (next * _periodTimestamps) <= now)
        {
            next = _ticksArmed = ((now - _start) / _periodTimestamps) + 1;
        }

        _loop.AddTimerAt(_tick, _start + (next * _periodTimestamps));
    }

    private void RemoveFromWheel() => _loop.RemoveTimer(_tick);

    private void OnTick()
    {
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (!_waiting)
            {
                _tickPending = true;
                ArmNext();
                return;
            }

            _waiting = false;
            registration = _waitRegistration;
            _waitRegistration = default;
        }

        ArmNext();
        registration.Unregister();
        _tick.Waiter.SetResult(true);
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_waiting || _waitToken != token)
            {
                return;
            }

            _waiting = false;
            _waitRegistration = default;
        }

        _tick.Waiter.SetException(new OperationCanceledException(token));
    }

    /// <summary>The wheel's entry for this timer and the source of its waits (both types stay off the public surface).</summary>
    private sealed class Tick(LoopPeriodicTimer timer) : TimerEntry, IValueTaskSource<bool>
    {
        // Continuations never run inside the wheel's callback: user code must not run in the middle of a loop iteration.
        public ManualResetValueTaskSourceCore<bool> Waiter = new() { RunContinuationsAsynchronously = true };

        public override void OnExpired() => timer.OnTick();

        // The loop stopped: the timer can never tick again, as if disposed.
        public override void OnLoopStopped() => timer.Dispose();

        public bool GetResult(short token) => Waiter.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => Waiter.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Waiter.OnCompleted(continuation, state, token, flags);
    }
}
