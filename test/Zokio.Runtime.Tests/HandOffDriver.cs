using Zokio.Runtime.Loops;
using KernelThreadState = Zokio.Runtime.Native.ThreadState;

namespace Zokio.Runtime.Tests;

/// <summary>
/// Drives a loop into an adaptive hand-off: application work that blocks its thread in the kernel until the test
/// releases it, and the waits around it. Shared by the hand-off tests.
/// </summary>
public static class HandOffDriver
{
    /// <summary>
    /// Runs <paramref name="body"/> on the loop as application work (what the stall detector watches); the task
    /// completes with what the body returns (a failure message, or null).
    /// </summary>
    public static Task<string?> RunApplicationWorkAsync(EventLoop loop, Func<string?> body)
    {
        TaskCompletionSource<string?> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ScheduleApplication(_ =>
        {
            try
            {
                done.TrySetResult(body());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, null);
        return done.Task;
    }

    /// <summary>
    /// Waits until the loop was handed off since <paramref name="handOffsBefore"/>, and asserts that
    /// <paramref name="blocking"/> (the blocking application work) is still running then.
    /// </summary>
    public static async Task WaitForHandOffAsync(EventLoop loop, long handOffsBefore, Task<string?> blocking)
    {
        await WaitUntilAsync(() => Volatile.Read(ref loop.Counters.HandOffs) > handOffsBefore || blocking.IsCompleted);
        Assert.False(blocking.IsCompleted, $"The application work ended before a hand-off: {(blocking.IsCompleted ? await blocking : null)}");
    }

    /// <summary>Spins (running, never asleep, so no hand-off starts) until the condition holds or the timeout passes.</summary>
    public static bool SpinUntil(Func<bool> condition) => SpinWait.SpinUntil(condition, Backends.Timeout);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="limit"/> (default: the tests' timeout) passes.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        using CancellationTokenSource timeout = new(limit ?? Backends.Timeout);
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <summary>
    /// A thread asleep in the kernel until disposed: what the stall detector must find to hand a loop off, for tests
    /// that drive <see cref="HandOff.LoopHandOff"/> without a loop thread.
    /// </summary>
    public sealed class SleepingThread : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;
        private int _kernelThreadId;

        private SleepingThread()
        {
            using ManualResetEventSlim started = new();
            _thread = new Thread(() =>
            {
                _kernelThreadId = KernelThreadState.CurrentThreadId();
                started.Set();
                _release.Wait();
            })
            { IsBackground = true };
            _thread.Start();
            started.Wait();
        }

        /// <summary>The thread's id in the kernel, as the stall detector reads it.</summary>
        public int KernelThreadId => _kernelThreadId;

        /// <summary>Starts the thread and returns once the kernel reports it asleep.</summary>
        public static async Task<SleepingThread> StartAsync()
        {
            SleepingThread sleeping = new();
            using CancellationTokenSource timeout = new(Backends.Timeout);
            while (!KernelThreadState.IsBlocked(sleeping.KernelThreadId))
            {
                await Task.Delay(10, timeout.Token);
            }

            return sleeping;
        }

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _release.Dispose();
        }
    }
}
