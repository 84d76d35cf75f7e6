using System.Diagnostics;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Time;

namespace Zokio.Runtime.Loops;

public sealed partial class EventLoop
{
    /// <summary>
    /// A task that completes on this loop's timer wheel after <paramref name="delay"/>, never earlier; like
    /// <see cref="Task.Delay(TimeSpan, CancellationToken)"/>, but without a thread-pool timer.
    /// </summary>
    /// <param name="delay">Zero or more; at most <see cref="int.MaxValue"/> milliseconds.</param>
    /// <param name="cancellationToken">Cancels the delay; the task then ends as canceled.</param>
    /// <returns>A task that completes after the delay; it ends as canceled if the loop stops first.</returns>
    public Task Delay(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        if (delay < TimeSpan.Zero || delay.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, $"The delay must be between 0 and {int.MaxValue} ms.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (_stopRequested)
        {
            throw new ObjectDisposedException(nameof(EventLoop), $"Event loop {Index} is stopping; it takes no new timers.");
        }

        if (delay == TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        DelayTimer timer = new(this, delay, Stopwatch.GetTimestamp(), cancellationToken);
        Schedule(static state => ((DelayTimer)state!).Arm(), timer);
        return timer.Task;
    }

    /// <summary>
    /// A timer that ticks on this loop every <paramref name="period"/>, awaited with
    /// <see cref="LoopPeriodicTimer.WaitForNextTickAsync"/>: the shape of <see cref="PeriodicTimer"/>, on the loop's
    /// timer wheel. Tick <c>n</c> is due <c>n</c> periods after this call, so late ticks do not shift later ones.
    /// </summary>
    /// <param name="period">At least 1 ms (the wheel's resolution) and at most <see cref="int.MaxValue"/> milliseconds.</param>
    /// <returns>The timer, already running; dispose it to stop it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="period"/> is outside that range.</exception>
    /// <exception cref="ObjectDisposedException">The loop is stopping.</exception>
    public LoopPeriodicTimer CreatePeriodicTimer(TimeSpan period)
    {
        if (period < TimeSpan.FromMilliseconds(1) || period.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"The period must be between 1 and {int.MaxValue} ms; got {period.TotalMilliseconds} ms.");
        }

        if (_stopRequested)
        {
            throw new ObjectDisposedException(nameof(EventLoop), $"Event loop {Index} is stopping; it takes no new timers.");
        }

        return new LoopPeriodicTimer(this, period, Stopwatch.GetTimestamp());
    }

    /// <summary>Adds a timer due at a Stopwatch timestamp; loop thread only. After the loop stopped the timer ends at once.</summary>
    internal void AddTimerAt(TimerEntry entry, long deadlineTimestamp)
    {
        Debug.Assert(IsOnLoopThread);
        if (_exited)
        {
            entry.OnLoopStopped();
            return;
        }

        _timers!.AddAt(entry, deadlineTimestamp);
    }

    /// <summary>Adds a timer; loop thread only. After the loop stopped the timer ends at once.</summary>
    internal void AddTimer(TimerEntry entry, TimeSpan delay, long fromTimestamp)
    {
        Debug.Assert(IsOnLoopThread);
        if (_exited)
        {
            entry.OnLoopStopped();
            return;
        }

        _timers!.Add(entry, delay, fromTimestamp);
    }

    /// <summary>At the loop's exit: ends every timer still armed (a delay as canceled, a periodic timer as disposed).</summary>
    private void StopTimers()
    {
        foreach (TimerEntry entry in _timers?.RemoveAll() ?? [])
        {
            try
            {
                entry.OnLoopStopped();
            }
            catch (Exception ex)
            {
                RuntimeLog.WorkAfterStopFailed(_logger, Index, ex);
            }
        }
    }

    /// <summary>Removes a timer; loop thread only.</summary>
    internal bool RemoveTimer(TimerEntry entry)
    {
        Debug.Assert(IsOnLoopThread);
        return _timers!.Remove(entry);
    }

    /// <summary>One <see cref="Delay"/>: a timer entry that completes a task.</summary>
    private sealed class DelayTimer : TimerEntry
    {
        private readonly EventLoop _loop;
        private readonly TimeSpan _delay;
        private readonly long _requestedAt;
        private readonly CancellationToken _cancellationToken;
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _registration;

        public DelayTimer(EventLoop loop, TimeSpan delay, long requestedAt, CancellationToken cancellationToken)
        {
            _loop = loop;
            _delay = delay;
            // Measured from the call, not from when the loop gets to it, so the delay is never short.
            _requestedAt = requestedAt;
            _cancellationToken = cancellationToken;
        }

        public Task Task => _completion.Task;

        public void Arm()
        {
            if (_completion.Task.IsCompleted)
            {
                return;
            }

            _loop.AddTimer(this, _delay, _requestedAt);
            if (_cancellationToken.CanBeCanceled)
            {
                _registration = _cancellationToken.UnsafeRegister(static state => ((DelayTimer)state!).RequestCancel(), this);
            }
        }

        public override void OnExpired()
        {
            _registration.Dispose();
            _completion.TrySetResult();
        }

        public override void OnLoopStopped()
        {
            _registration.Dispose();
            _completion.TrySetCanceled();
        }

        private void RequestCancel() => _loop.Schedule(static state => ((DelayTimer)state!).CancelOnLoop(), this);

        private void CancelOnLoop()
        {
            if (_loop.RemoveTimer(this))
            {
                _registration.Dispose();
                _completion.TrySetCanceled(_cancellationToken);
            }
        }
    }
}
