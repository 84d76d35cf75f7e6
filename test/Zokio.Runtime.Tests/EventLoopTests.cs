using System.Collections.Concurrent;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

[Collection("fd-sensitive")]
public class EventLoopTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Nop_round_trips_through_the_kernel(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        Assert.Equal(backend, group.Backend);
        using NopOperation nop = new();

        int completed = await Backends.OnLoop(loop, async () =>
        {
            int sum = 0;
            for (int i = 0; i < 1000; i++)
            {
                sum += await nop.SubmitAsync(loop.IoBackend) == IoResult.Success(0) ? 1 : 0;
            }

            return sum;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(1000, completed);
        Assert.True(loop.IoBackend.Submitted >= 1000);
    }

    [Fact]
    public async Task More_operations_than_submission_queue_entries_are_all_completed()
    {
        // An 8-entry SQ and 500 NOPs prepared in one go: the ring must submit full batches as it goes, and with a
        // 32-entry CQ the kernel's overflow list (FEAT_NODROP) must hand every completion back.
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.IoUring, configure: o => o.RingEntries = 8);
        EventLoop loop = group.Loops[0];
        NopOperation[] nops = [.. Enumerable.Range(0, 500).Select(_ => new NopOperation())];
        try
        {
            IoResult[] results = await Backends.OnLoop(loop, async () =>
            {
                ValueTask<IoResult>[] pending = [.. nops.Select(op => op.SubmitAsync(loop.IoBackend))];
                IoResult[] values = new IoResult[pending.Length];
                for (int i = 0; i < pending.Length; i++)
                {
                    values[i] = await pending[i];
                }

                return values;
            }).WaitAsync(Backends.Timeout);
            Assert.All(results, r => Assert.Equal(IoResult.Success(0), r));
        }
        finally
        {
            foreach (NopOperation op in nops)
            {
                op.Dispose();
            }
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Work_from_many_threads_runs_exactly_once_on_the_loop_thread(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        const int Producers = 8;
        const int PerProducer = 20_000;
        int[] runs = new int[Producers * PerProducer];
        int wrongThread = 0;
        int done = 0;
        TaskCompletionSource allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

        Thread[] threads = [.. Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            for (int i = 0; i < PerProducer; i++)
            {
                loop.Schedule(state =>
                {
                    int id = (int)state!;
                    runs[id]++;
                    if (!loop.IsOnLoopThread)
                    {
                        wrongThread++;
                    }

                    if (++done == runs.Length)
                    {
                        allDone.SetResult();
                    }
                }, p * PerProducer + i);

                // Let the loop fall asleep now and then, so wake-ups race with sleeping.
                if (i % 1000 == 0)
                {
                    Thread.Yield();
                }
            }
        }))];
        foreach (Thread t in threads)
        {
            t.Start();
        }

        await allDone.Task.WaitAsync(Backends.Timeout);
        Assert.All(runs, count => Assert.Equal(1, count));
        Assert.Equal(0, wrongThread);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_single_item_scheduled_to_a_sleeping_loop_wakes_it(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        for (int i = 0; i < 200; i++)
        {
            TaskCompletionSource ran = new(TaskCreationOptions.RunContinuationsAsynchronously);
            // The loop has nothing to do between items, so each one finds it asleep in the kernel.
            await Task.Yield();
            loop.Schedule(static s => ((TaskCompletionSource)s!).SetResult(), ran);
            await ran.Task.WaitAsync(Backends.Timeout);
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Loops_run_on_named_threads_and_Current_finds_them(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, loops: 2);
        ConcurrentBag<string> names = [];
        foreach (EventLoop loop in group.Loops)
        {
            bool same = await Backends.OnLoop(loop, () =>
            {
                names.Add(Thread.CurrentThread.Name!);
                return Task.FromResult(EventLoop.Current == loop);
            }).WaitAsync(Backends.Timeout);
            Assert.True(same);
        }

        Assert.Equal(["zokio-loop-0", "zokio-loop-1"], names.Order());
        Assert.Null(EventLoop.Current);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Task_scheduler_runs_tasks_on_the_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        bool onLoop = await Task.Factory.StartNew(() => loop.IsOnLoopThread, CancellationToken.None, TaskCreationOptions.None, loop.TaskScheduler)
            .WaitAsync(Backends.Timeout);
        Assert.True(onLoop);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Awaits_started_on_the_loop_resume_on_the_loop(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, configure: o => o.ApplicationScheduling = ApplicationScheduling.Loop);
        EventLoop loop = group.Loops[0];
        bool resumedOnLoop = await Backends.OnLoop(loop, async () =>
        {
            await Task.Delay(1);
            return loop.IsOnLoopThread;
        }).WaitAsync(Backends.Timeout);
        Assert.True(resumedOnLoop);
    }

    [Fact]
    public async Task Round_robin_spreads_over_every_loop()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto, loops: 3);
        int[] picks = new int[3];
        for (int i = 0; i < 30; i++)
        {
            picks[group.Next().Index]++;
        }

        Assert.Equal([10, 10, 10], picks);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Disposing_a_group_closes_every_descriptor_it_opened(LoopBackendKind backend)
    {
        // Warm up: the first group loads libraries and starts runtime threads that hold fds of their own.
        await Backends.Start(backend).DisposeAsync();
        int before = FdCount.Current();
        EventLoopGroup group = Backends.Start(backend, loops: 4);
        Assert.True(FdCount.Current() > before);
        await group.DisposeAsync();
        await FdCount.AssertReturnsTo(before);
    }
}
