using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// Work stealing. Each test occupies loop 0's thread with a loop item (<see cref="HoldAsync"/>) while it queues work
/// there, so that loop 0 cannot run its own spawned work and whatever runs elsewhere was stolen; the hold ends on a
/// condition (a steal happened, a stolen item started), never after a time.
/// </summary>
public class WorkStealingTests
{
    public static TheoryData<LoopBackendKind, int, bool> StealingCases => Backends.With((2, true), (4, true), (2, false));

    public static TheoryData<LoopBackendKind, ApplicationScheduling> SchedulingCases =>
        Backends.With(ApplicationScheduling.Adaptive, ApplicationScheduling.Loop, ApplicationScheduling.ThreadPool);

    [Theory, MemberData(nameof(StealingCases))]
    public async Task Every_spawned_item_runs_exactly_once_while_idle_loops_steal_concurrently(LoopBackendKind backend, int loops, bool stealing)
    {
        const int Items = 100_000;
        const int FromLoop = 10_000; // spawned by loop 0 itself, the rest by two other threads at the same time
        await using EventLoopGroup group = Backends.Start(backend, loops, o => o.WorkStealing = stealing);
        EventLoop home = group.Loops[0];
        int[] runs = new int[Items];
        int[] ranOn = new int[Items];
        Task[] tasks = new Task[Items];
        Task Spawn(int i) => tasks[i] = home.Spawn(async () =>
        {
            if (i % 16 == 0)
            {
                // Some items await: their continuations stay on the loop that started them.
                await EventLoop.Yield();
            }

            // -1: off the loops, which only a hand-off does (it diverts application work to the thread pool).
            ranOn[i] = EventLoop.Current?.Index ?? -1;
            Interlocked.Increment(ref runs[i]);
        });

        int producersDone = 0;
        Task<bool> held = await HoldAsync(
            home,
            first: () =>
            {
                for (int i = 0; i < FromLoop; i++)
                {
                    Spawn(i);
                }
            },
            until: () => Volatile.Read(ref producersDone) == 2 && (!stealing || TotalSteals(group) > 0));

        int half = FromLoop + ((Items - FromLoop) / 2);
        Thread[] producers =
        [
            new(() => { for (int i = FromLoop; i < half; i++) { Spawn(i); } Interlocked.Increment(ref producersDone); }),
            new(() => { for (int i = half; i < Items; i++) { Spawn(i); } Interlocked.Increment(ref producersDone); }),
        ];
        foreach (Thread producer in producers)
        {
            producer.Start();
        }

        foreach (Thread producer in producers)
        {
            producer.Join();
        }

        Assert.True(await held.WaitAsync(Backends.Timeout), stealing ? "No loop stole from loop 0's backlog." : "The producers did not finish.");
        await Task.WhenAll(tasks).WaitAsync(Backends.Timeout);

        // This much allocation on two cores makes long GC pauses, and a loop thread suspended by the GC inside an item
        // looks blocked to the stall detector: a hand-off, rare but legitimate, then runs some items on the thread pool.
        long handOffs = group.Loops.Sum(l => Volatile.Read(ref l.Counters.HandOffs));
        Assert.True(handOffs > 0 || !ranOn.Contains(-1), "An item ran off the loops without a hand-off.");
        int[] wrong = [.. Enumerable.Range(0, Items).Where(i => runs[i] != 1)];
        Assert.True(wrong.Length == 0, $"{wrong.Length} item(s) did not run exactly once, such as item {wrong.FirstOrDefault()} ({(wrong.Length == 0 ? 0 : runs[wrong[0]])} runs).");
        long steals = TotalSteals(group);
        if (stealing)
        {
            Assert.True(steals > 0);
            Assert.Contains(ranOn, index => index > 0);
        }
        else
        {
            Assert.Equal(0, steals);
            Assert.True(ranOn.All(index => index == 0 || (index == -1 && handOffs > 0)), "An item ran on another loop with stealing off.");
        }

        // The meter adds up every running group's loops; other tests' groups are stopped, so this is at least ours.
        Assert.True(ReadStealsMetric() >= steals);
        Assert.All(group.Loops, loop =>
        {
            Assert.Equal(0, loop.Load);
            Assert.Equal(0, Volatile.Read(ref loop.Counters.WorkItemFailures));
        });
    }

    [Theory, MemberData(nameof(SchedulingCases))]
    public async Task Stolen_work_starts_and_resumes_its_awaits_on_the_loop_that_stole_it(LoopBackendKind backend, ApplicationScheduling scheduling)
    {
        const int Items = 32;
        await using EventLoopGroup group = Backends.Start(backend, loops: 2, o => o.ApplicationScheduling = scheduling);
        EventLoop home = group.Loops[0];
        int startedElsewhere = 0;
        Task<bool> held = await HoldAsync(home, until: () => Volatile.Read(ref startedElsewhere) == 1);

        Task<Trace>[] items =
            [.. Enumerable.Range(0, Items).Select(_ => home.Spawn(async () =>
            {
                EventLoop? start = EventLoop.Current;
                bool startScheduler = TaskScheduler.Current == start?.TaskScheduler;
                if (start != home)
                {
                    Volatile.Write(ref startedElsewhere, 1);
                }

                // Completes on a timer thread: the continuation must come back to the loop the work started on.
                await Task.Delay(1);
                EventLoop? afterDelay = EventLoop.Current;
                await Task.Yield();
                EventLoop? afterYield = EventLoop.Current;
                await EventLoop.Yield();
                EventLoop? afterLoopYield = EventLoop.Current;
                await Task.Run(() => { });
                return new Trace(start, startScheduler, afterDelay, afterYield, afterLoopYield, EventLoop.Current);
            }))];

        Assert.True(await held.WaitAsync(Backends.Timeout), "No spawned item started on loop 1.");
        Trace[] results = await Task.WhenAll(items).WaitAsync(Backends.Timeout);

        Assert.Contains(results, r => r.Start == group.Loops[1]);
        Assert.All(results, r =>
        {
            Assert.NotNull(r.Start);
            Assert.True(r.StartScheduler, "TaskScheduler.Current is not the scheduler of the loop running the work.");
            Assert.Same(r.Start, r.AfterDelay);
            Assert.Same(r.Start, r.AfterYield);
            Assert.Same(r.Start, r.AfterLoopYield);
            Assert.Same(r.Start, r.AfterRun);
        });
        Assert.All(group.Loops, loop => Assert.Equal(0, loop.Load));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Work_tied_to_a_loop_never_moves_while_another_loop_steals(LoopBackendKind backend)
    {
        const int PerKind = 500;
        // Loop scheduling: in Adaptive mode a hand-off (a different mechanism, for blocked loops) may send application
        // work to the thread pool; here nothing may leave loop 0 but stolen spawned work.
        await using EventLoopGroup group = Backends.Start(backend, loops: 2, o => o.ApplicationScheduling = ApplicationScheduling.Loop);
        EventLoop home = group.Loops[0];
        int startedElsewhere = 0;
        Task<bool> held = await HoldAsync(home, until: () => Volatile.Read(ref startedElsewhere) == 1);

        // Four kinds of loop-bound work, each queued in order by this thread, between spawned work that may move.
        List<(string Kind, int Sequence, bool OnHome)> ran = [];
        Lock ranLock = new();
        void Record(string kind, int sequence)
        {
            lock (ranLock)
            {
                ran.Add((kind, sequence, home.IsOnLoopThread));
            }
        }

        List<Task> spawned = [];
        List<Task> scheduled = [];
        for (int i = 0; i < PerKind; i++)
        {
            int sequence = i;
            home.Schedule(_ => Record("Schedule", sequence), null);
            home.ScheduleApplication(_ => Record("ScheduleApplication", sequence), null);
            home.Post(_ => Record("Post", sequence), null);
            scheduled.Add(Task.Factory.StartNew(() => Record("TaskScheduler", sequence), CancellationToken.None, TaskCreationOptions.None, home.TaskScheduler));
            spawned.Add(home.Spawn(() =>
            {
                if (EventLoop.Current != home)
                {
                    Volatile.Write(ref startedElsewhere, 1);
                }

                return Task.CompletedTask;
            }));
        }

        Assert.True(await held.WaitAsync(Backends.Timeout), "No spawned item started on loop 1.");
        await Task.WhenAll(spawned.Concat(scheduled)).WaitAsync(Backends.Timeout);
        TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        home.Schedule(_ => drained.SetResult(), null);
        await drained.Task.WaitAsync(Backends.Timeout);

        Assert.True(Volatile.Read(ref group.Loops[1].Counters.Steals) > 0);
        lock (ranLock)
        {
            Assert.All(ran, r => Assert.True(r.OnHome, $"{r.Kind} item {r.Sequence} ran off its loop."));
            foreach (IGrouping<string, (string Kind, int Sequence, bool OnHome)> kind in ran.GroupBy(r => r.Kind))
            {
                Assert.Equal(Enumerable.Range(0, PerKind), kind.Select(r => r.Sequence));
            }

            Assert.Equal(4, ran.Select(r => r.Kind).Distinct().Count());
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Exceptions_in_stolen_work_fault_only_its_task(LoopBackendKind backend)
    {
        const int Items = 32;
        await using EventLoopGroup group = Backends.Start(backend, loops: 2);
        EventLoop home = group.Loops[0], thief = group.Loops[1];
        int startedElsewhere = 0;
        Task<bool> held = await HoldAsync(home, until: () => Volatile.Read(ref startedElsewhere) == 1);

        EventLoop?[] startedOn = new EventLoop?[Items];
        Task[] items = [.. Enumerable.Range(0, Items).Select(i => home.Spawn(() =>
        {
            startedOn[i] = EventLoop.Current;
            if (EventLoop.Current != home)
            {
                Volatile.Write(ref startedElsewhere, 1);
            }

            return i % 2 == 0 ? throw new InvalidTimeZoneException($"sync {i}") : ThrowLaterAsync(i);
        }))];

        Assert.True(await held.WaitAsync(Backends.Timeout), "No spawned item started on loop 1.");
        for (int i = 0; i < Items; i++)
        {
            InvalidTimeZoneException ex = await Assert.ThrowsAsync<InvalidTimeZoneException>(() => items[i].WaitAsync(Backends.Timeout));
            Assert.Equal(i % 2 == 0 ? $"sync {i}" : $"async {i}", ex.Message);
        }

        Assert.Contains(thief, startedOn);
        Assert.All(group.Loops, loop =>
        {
            Assert.Equal(0, Volatile.Read(ref loop.Counters.WorkItemFailures));
            Assert.Equal(0, loop.Load);
        });
        Assert.Same(thief, await thief.Spawn(() => Task.FromResult(EventLoop.Current)).WaitAsync(Backends.Timeout));
        Assert.Same(home, await home.Spawn(() => Task.FromResult(EventLoop.Current)).WaitAsync(Backends.Timeout));

        static async Task ThrowLaterAsync(int i)
        {
            await Task.Yield();
            throw new InvalidTimeZoneException($"async {i}");
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Spawned_work_queued_when_the_group_stops_still_runs_once(LoopBackendKind backend)
    {
        const int Items = 2_000;
        EventLoopGroup group = Backends.Start(backend, loops: 2);
        EventLoop home = group.Loops[0];
        int stopping = 0;
        Task<bool> held = await HoldAsync(home, until: () => Volatile.Read(ref stopping) == 1);
        int[] runs = new int[Items];
        Task[] items = [.. Enumerable.Range(0, Items).Select(i => home.Spawn(() =>
        {
            Interlocked.Increment(ref runs[i]);
            return Task.CompletedTask;
        }))];

        // The stop is requested while loop 0 still holds its backlog (and loop 1 may hold a stolen part of it).
        ValueTask disposed = group.DisposeAsync();
        Volatile.Write(ref stopping, 1);
        Assert.True(await held.WaitAsync(Backends.Timeout));
        await disposed.AsTask().WaitAsync(Backends.Timeout);

        await Task.WhenAll(items).WaitAsync(Backends.Timeout);
        Assert.All(runs, count => Assert.Equal(1, count));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_single_spawned_item_stays_on_its_loop(LoopBackendKind backend)
    {
        // Only a backlog is stolen: one item waiting is the owner's next one, so it is never moved.
        await using EventLoopGroup group = Backends.Start(backend, loops: 2);
        EventLoop home = group.Loops[0];
        for (int i = 0; i < 100; i++)
        {
            Assert.Same(home, await home.Spawn(() => Task.FromResult(EventLoop.Current)).WaitAsync(Backends.Timeout));
        }

        Assert.Equal(0, TotalSteals(group));
    }

    /// <summary>Where a spawned item ran: where it started (and whether TaskScheduler.Current was that loop's), and after each await.</summary>
    private sealed record Trace(EventLoop? Start, bool StartScheduler, EventLoop? AfterDelay, EventLoop? AfterYield, EventLoop? AfterLoopYield, EventLoop? AfterRun);

    /// <summary>
    /// Occupies <paramref name="loop"/>'s thread with a loop item until <paramref name="until"/> holds (or the test
    /// timeout passes: the returned task then says false). Returns once the hold has begun, after <paramref name="first"/>
    /// ran on the loop thread.
    /// </summary>
    private static async Task<Task<bool>> HoldAsync(EventLoop loop, Func<bool> until, Action? first = null)
    {
        TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<bool> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(_ =>
        {
            try
            {
                first?.Invoke();
                started.SetResult();
                long deadline = Environment.TickCount64 + (long)Backends.Timeout.TotalMilliseconds;
                bool met;
                // Yielding, not waiting: the thread stays runnable, as a busy loop's would.
                while (!(met = until()) && Environment.TickCount64 < deadline)
                {
                    Thread.Yield();
                }

                ended.SetResult(met);
            }
            catch (Exception ex)
            {
                started.TrySetException(ex);
                ended.TrySetException(ex);
            }
        }, null);
        await started.Task.WaitAsync(Backends.Timeout);
        return ended.Task;
    }

    private static long TotalSteals(EventLoopGroup group) => group.Loops.Sum(loop => Volatile.Read(ref loop.Counters.Steals));

    /// <summary>The <c>zokio.loop.steals</c> instrument summed over the loop tags.</summary>
    private static long ReadStealsMetric()
    {
        RuntimeHelpers.RunClassConstructor(typeof(ZokioMetrics).TypeHandle);
        long total = 0;
        using MeterListener meter = new();
        meter.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == ZokioMetrics.MeterName && instrument.Name == "zokio.loop.steals")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, value, _, _) => total += value);
        meter.Start();
        meter.RecordObservableInstruments();
        return total;
    }
}
