using System.Diagnostics.Tracing;
using System.Globalization;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Testing;

/// <summary>
/// Drives loops into adaptive hand-offs, in this process or in a child server: blocking work that must run on a loop
/// thread (tried again while the loop diverts application work to the thread pool, as it does until an earlier
/// hand-off's blocked thread has left), the moment and the count of hand-offs, and threads asleep in the kernel, which
/// is what the stall detector looks for. The one driver of the runtime's, the HTTP and the reliability hand-off tests.
/// </summary>
public static class HandOffDriver
{
    /// <summary>
    /// What blocking work answers when it ran on the thread pool instead of a loop thread, where it blocks no loop: the
    /// caller starts it again.
    /// </summary>
    public const string Diverted = "diverted";

    // How many attempts in a row may run off the loop before that counts as a failure.
    private const int MaxAttempts = 1000;

    /// <summary>
    /// Starts blocking work until it runs on a loop thread. <paramref name="attempt"/> starts it once and says whether it
    /// runs on a loop; an attempt that ran off the loop is ended by <paramref name="abandon"/> before the next.
    /// </summary>
    public static async Task<T> StartOnLoopAsync<T>(Func<Task<(T Work, bool OnLoop)>> attempt, Func<T, Task> abandon, CancellationToken cancellationToken)
    {
        for (int attempts = 1; ; attempts++)
        {
            (T work, bool onLoop) = await attempt().WaitAsync(cancellationToken);
            if (onLoop)
            {
                return work;
            }

            Assert.True(attempts < MaxAttempts, $"Application work did not come back to the loop: {MaxAttempts} attempts in a row ran off the loop.");
            await abandon(work).WaitAsync(cancellationToken);
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="request"/> until its handler ran on a loop (answered other than <see cref="Diverted"/>); returns that answer.</summary>
    public static Task<string> AskOnLoopAsync(Func<Task<string>> request, CancellationToken cancellationToken) =>
        StartOnLoopAsync(async () =>
        {
            string answer = await request();
            return (answer, answer != Diverted);
        }, _ => Task.CompletedTask, cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> until its handler has started on a loop (<paramref name="started"/> completes)
    /// rather than answering <see cref="Diverted"/>; returns that request, still running.
    /// </summary>
    public static Task<Task<string>> StartOnLoopAsync(Func<Task<string>> request, Task started, CancellationToken cancellationToken) =>
        StartOnLoopAsync(async () =>
        {
            Task<string> pending = request();
            return (pending, await Task.WhenAny(pending, started) != pending);
        }, async pending => Assert.Equal(Diverted, await pending), cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="loop"/> as application work (what the stall detector watches);
    /// the task completes with what the body returns (a failure message, or null), or <see cref="Diverted"/> when the
    /// loop sent the work to the thread pool, where the body does not run.
    /// </summary>
    public static Task<string?> RunApplicationWorkAsync(EventLoop loop, Func<string?> body)
    {
        TaskCompletionSource<string?> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.ApplicationScheduler.Schedule(_ =>
        {
            try
            {
                done.TrySetResult(loop.IsOnLoopThread ? body() : Diverted);
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, null);
        return done.Task;
    }

    /// <summary>How many times <paramref name="loop"/> has been handed off.</summary>
    public static long HandOffs(EventLoop loop) => LoopSnapshot.Capture(loop).HandOffs;

    /// <summary>
    /// Waits until <paramref name="loop"/> was handed off since <paramref name="handOffsBefore"/>, and asserts that
    /// <paramref name="blocking"/> (the blocking application work) is still running then.
    /// </summary>
    public static async Task WaitForHandOffAsync(EventLoop loop, long handOffsBefore, Task<string?> blocking)
    {
        await Eventually.UntilAsync(() => HandOffs(loop) > handOffsBefore || blocking.IsCompleted, Backends.Timeout);
        Assert.False(blocking.IsCompleted, $"The application work ended before a hand-off: {(blocking.IsCompleted ? await blocking : null)}");
    }

    /// <summary>
    /// Calls <paramref name="onHandedOff"/> on the "Zokio" event source's LoopHandedOff event, synchronously on the stall
    /// detector's thread: the moment a loop is handed off, before its successor thread starts, with the label of the
    /// work that blocked it ("GET /block"). Lets a test order its own steps against the take-over. Dispose to stop.
    /// </summary>
    public static IDisposable OnHandedOff(Action<string> onHandedOff) => new HandedOffListener(onHandedOff);

    /// <summary>Spins (running, never asleep, so no hand-off starts) until the condition holds or the timeout passes.</summary>
    public static bool SpinUntil(Func<bool> condition) => SpinWait.SpinUntil(condition, Backends.Timeout);

    /// <summary>The calling thread's id in the kernel ("/proc/thread-self" is "pid/task/tid").</summary>
    public static int CurrentKernelThreadId() =>
        int.Parse(Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!), CultureInfo.InvariantCulture);

    /// <summary>
    /// True when the kernel reports the thread asleep (state S or D in /proc/self/task/TID/stat, read independently of
    /// the stall detector); false while it runs, waits for a CPU, or is gone.
    /// </summary>
    public static bool IsAsleep(int kernelThreadId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/self/task/{kernelThreadId}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // The state follows the command name, which may itself hold ") ".
        int state = stat.LastIndexOf(')') + 2;
        return state < stat.Length && stat[state] is 'S' or 'D';
    }

    /// <summary>
    /// A thread asleep in the kernel until disposed: what the stall detector must find to hand a loop off, for tests
    /// that drive the hand-off without a loop thread.
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
                _kernelThreadId = CurrentKernelThreadId();
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
            await Eventually.TrueAsync(() => IsAsleep(sleeping.KernelThreadId), timeout.Token);
            return sleeping;
        }

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _release.Dispose();
        }
    }

    private sealed class HandedOffListener(Action<string> onHandedOff) : EventListener
    {
        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Zokio")
            {
                EnableEvents(eventSource, EventLevel.Warning);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName == "LoopHandedOff")
            {
                onHandedOff((string)eventData.Payload![eventData.PayloadNames!.IndexOf("label")]!);
            }
        }
    }
}
