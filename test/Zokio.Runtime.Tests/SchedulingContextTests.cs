using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

public class SchedulingContextTests
{
    [Fact]
    public async Task Loop_threads_carry_a_synchronization_context_that_posts_and_sends_to_the_loop()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto, configure: o => o.ApplicationScheduling = ApplicationScheduling.Loop);
        EventLoop loop = group.Loops[0];
        SynchronizationContext context = await Backends.OnLoop(loop, () => Task.FromResult(SynchronizationContext.Current!));
        Assert.NotNull(context);
        Assert.Same(context, context.CreateCopy());

        bool sentOnLoop = false;
        context.Send(_ => sentOnLoop = loop.IsOnLoopThread, null);
        Assert.True(sentOnLoop);

        TaskCompletionSource<bool> posted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        context.Post(_ => posted.SetResult(loop.IsOnLoopThread), null);
        Assert.True(await posted.Task.WaitAsync(Backends.Timeout));

        // Send from the loop itself runs inline instead of deadlocking on its own queue.
        bool inline = await Backends.OnLoop(loop, () =>
        {
            bool ran = false;
            SynchronizationContext.Current!.Send(_ => ran = true, null);
            return Task.FromResult(ran);
        });
        Assert.True(inline);

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => context.Send(_ => throw new FormatException("boom"), null));
        Assert.IsType<FormatException>(ex.InnerException);
    }

    [Fact]
    public async Task Thread_pool_scheduling_leaves_loop_threads_without_a_context()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto, configure: o => o.ApplicationScheduling = ApplicationScheduling.ThreadPool);
        EventLoop loop = group.Loops[0];
        Assert.Null(await Backends.OnLoop(loop, () => Task.FromResult(SynchronizationContext.Current)));
        Assert.Same(System.IO.Pipelines.PipeScheduler.ThreadPool, loop.ApplicationScheduler);
    }

    [Fact]
    public async Task Tasks_started_on_the_loop_scheduler_from_the_loop_run_inline_when_waited()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto);
        EventLoop loop = group.Loops[0];
        int result = await Backends.OnLoop(loop, () =>
        {
            Task<int> inner = new(() => loop.IsOnLoopThread ? 7 : -1);
            inner.Start(loop.TaskScheduler);
            // Waiting on the loop would deadlock if the task could only run from the queue: it runs inline instead.
            return Task.FromResult(inner.Result);
        });
        Assert.Equal(7, result);
        Assert.Equal(1, loop.TaskScheduler.MaximumConcurrencyLevel);
    }

    [Fact]
    public async Task Pinned_loops_run_on_their_own_core()
    {
        await using EventLoopGroup group = Backends.Start(LoopBackendKind.Auto, loops: 2, configure: o => o.PinThreads = true);
        foreach (EventLoop loop in group.Loops)
        {
            string allowed = await Backends.OnLoop(loop, () =>
            {
                string status = File.ReadAllText($"/proc/thread-self/status");
                return Task.FromResult(status.Split('\n').First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim());
            });
            Assert.Equal((loop.Index % Environment.ProcessorCount).ToString(System.Globalization.CultureInfo.InvariantCulture), allowed);
        }
    }
}
