using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public class SpawnTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Spawned_work_starts_on_the_loop_and_its_awaits_resume_there(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        bool[] onLoop = await loop.Spawn(async () =>
        {
            bool before = EventLoop.Current == loop;
            // Completes on a thread-pool timer thread: the continuation must come back to the loop.
            await Task.Delay(1);
            bool afterDelay = EventLoop.Current == loop;
            await Task.Run(() => { });
            return new[] { before, afterDelay, EventLoop.Current == loop };
        }).WaitAsync(Backends.Timeout);

        Assert.All(onLoop, Assert.True);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task With_thread_pool_scheduling_spawned_awaits_still_resume_on_the_loop(LoopBackendKind backend)
    {
        // That mode gives the loop thread no SynchronizationContext: the loop's TaskScheduler brings awaits back.
        await using EventLoopGroup group = Backends.Start(backend, configure: o => o.ApplicationScheduling = ApplicationScheduling.ThreadPool);
        EventLoop loop = group.Loops[0];
        bool onLoop = await loop.Spawn(async () =>
        {
            await Task.Delay(1);
            return EventLoop.Current == loop;
        }).WaitAsync(Backends.Timeout);

        Assert.True(onLoop);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task With_thread_pool_scheduling_awaits_after_a_loop_yield_still_resume_on_the_loop(LoopBackendKind backend)
    {
        // Without a SynchronizationContext, only TaskScheduler.Current brings awaits back: the yield must keep it.
        await using EventLoopGroup group = Backends.Start(backend, configure: o => o.ApplicationScheduling = ApplicationScheduling.ThreadPool);
        EventLoop loop = group.Loops[0];
        bool[] onLoop = await loop.Spawn(async () =>
        {
            await EventLoop.Yield();
            bool afterYield = EventLoop.Current == loop && TaskScheduler.Current == loop.TaskScheduler;
            await Task.Run(() => { });
            return new[] { afterYield, EventLoop.Current == loop };
        }).WaitAsync(Backends.Timeout);

        Assert.All(onLoop, Assert.True);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Exceptions_fault_the_returned_task_and_the_loop_keeps_running(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];

        Task thrownAtOnce = loop.Spawn(() => throw new InvalidTimeZoneException("sync"));
        Task thrownLater = loop.Spawn(async () =>
        {
            await EventLoop.Yield();
            throw new InvalidTimeZoneException("async");
        });
        Task<int> thrownWithResult = group.Spawn<int>(async () =>
        {
            await Task.Yield();
            throw new InvalidTimeZoneException("result");
        });
        Task returnedNull = loop.Spawn(() => null!);

        Assert.Equal("sync", (await Assert.ThrowsAsync<InvalidTimeZoneException>(() => thrownAtOnce.WaitAsync(Backends.Timeout))).Message);
        Assert.Equal("async", (await Assert.ThrowsAsync<InvalidTimeZoneException>(() => thrownLater.WaitAsync(Backends.Timeout))).Message);
        Assert.Equal("result", (await Assert.ThrowsAsync<InvalidTimeZoneException>(() => thrownWithResult.WaitAsync(Backends.Timeout))).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => returnedNull.WaitAsync(Backends.Timeout));

        Assert.Equal(42, await loop.Spawn(() => Task.FromResult(42)).WaitAsync(Backends.Timeout));
        Assert.Equal(0, loop.Load);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_group_places_work_on_the_least_loaded_loop(LoopBackendKind backend)
    {
        // Placement alone: with stealing, the busy loop (idle in fact: its tasks only wait) could take the five.
        await using EventLoopGroup group = Backends.Start(backend, loops: 2, o => o.WorkStealing = false);
        EventLoop busy = group.Loops[0], idle = group.Loops[1];
        TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Fifty unfinished spawned tasks make loop 0 the busier one; they wait without blocking its thread.
        Task[] holding = [.. Enumerable.Range(0, 50).Select(_ => busy.Spawn(() => gate.Task))];
        Task<EventLoop?>[] placed = [.. Enumerable.Range(0, 5).Select(_ => group.Spawn(async () =>
        {
            EventLoop? ranOn = EventLoop.Current;
            await gate.Task;
            return ranOn;
        }))];

        Assert.True(idle.Load >= 5, $"Five spawned tasks wait on loop 1, yet its load is {idle.Load}.");
        gate.SetResult();
        EventLoop?[] loops = await Task.WhenAll(placed).WaitAsync(Backends.Timeout);
        await Task.WhenAll(holding).WaitAsync(Backends.Timeout);
        Assert.All(loops, l => Assert.Same(idle, l));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Yield_lets_queued_work_run_first_and_continues_on_the_same_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        List<string> order = [];
        bool stillOnLoop = await loop.Spawn(async () =>
        {
            loop.Schedule(_ => order.Add("queued"), null);
            order.Add("before");
            await EventLoop.Yield();
            order.Add("after");
            return EventLoop.Current == loop;
        }).WaitAsync(Backends.Timeout);

        Assert.True(stillOnLoop);
        Assert.Equal(["before", "queued", "after"], order);
    }

    [Theory]
    [InlineData(LoopBackendKind.IoUring, ApplicationScheduling.Adaptive)]
    [InlineData(LoopBackendKind.Epoll, ApplicationScheduling.Adaptive)]
    [InlineData(LoopBackendKind.IoUring, ApplicationScheduling.ThreadPool)]
    [InlineData(LoopBackendKind.Epoll, ApplicationScheduling.ThreadPool)]
    public async Task Work_on_a_loop_that_awaits_its_own_groups_disposal_resumes_afterwards(LoopBackendKind backend, ApplicationScheduling scheduling)
    {
        // The await captured the loop (its SynchronizationContext, or its TaskScheduler in ThreadPool mode), which has
        // stopped by the time the disposal completes: the rest of the method must still run, on the thread pool.
        EventLoopGroup group = Backends.Start(backend, loops: 2, configure: o => o.ApplicationScheduling = scheduling);
        bool resumed = false;
        Task work = group.Loops[0].Spawn(async () =>
        {
            await group.DisposeAsync();
            resumed = EventLoop.Current is null;
        });

        await work.WaitAsync(Backends.Timeout);
        Assert.True(resumed);
    }

    [Fact]
    public void Yield_off_a_loop_thread_says_where_to_call_it()
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => EventLoop.Yield());
        Assert.Contains("loop thread", ex.Message);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_stopped_group_takes_no_new_work(LoopBackendKind backend)
    {
        EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        await group.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => { _ = group.Spawn(() => Task.CompletedTask); });
        Assert.Throws<ObjectDisposedException>(() => { _ = loop.Spawn(() => Task.CompletedTask); });
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Spawned_work_diverted_to_the_thread_pool_by_a_hand_off_can_yield_to_its_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, configure: o => o.StallThreshold = TimeSpan.FromMilliseconds(20));
        EventLoop loop = group.Loops[0];
        using ManualResetEventSlim release = new();
        // Blocks its loop until released: the stall detector hands the loop's I/O to a new thread and diverts its
        // application work to the thread pool meanwhile.
        Task<bool> blocking = loop.Spawn(() => Task.FromResult(release.Wait(Backends.Timeout)));
        try
        {
            for (int i = 0; i < 3000 && Volatile.Read(ref loop.Counters.HandOffs) == 0; i++)
            {
                await Task.Delay(10);
            }

            Assert.True(Volatile.Read(ref loop.Counters.HandOffs) > 0, "The blocked loop was not handed off.");
            int yielded = await loop.Spawn(async () =>
            {
                await EventLoop.Yield();
                return 1;
            }).WaitAsync(Backends.Timeout);
            Assert.Equal(1, yielded);
        }
        finally
        {
            release.Set();
        }

        Assert.True(await blocking.WaitAsync(Backends.Timeout));
    }
}
