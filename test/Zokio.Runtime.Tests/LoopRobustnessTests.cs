using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>What must never take a loop down or mix up operations: throwing work, stale completions, late work.</summary>
[Collection("fd-sensitive")]
public class LoopRobustnessTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_work_item_that_throws_is_logged_and_the_loop_goes_on(LoopBackendKind backend)
    {
        using CapturingLoggerProvider logs = new();
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions { Backend = backend, LoopCount = 1, RingEntries = 64 }, logs);
        EventLoop loop = group.Loops[0];
        TaskCompletionSource ranAfter = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(static _ => throw new InvalidOperationException("a bug in one connection"), null);
        loop.Schedule(static state => ((TaskCompletionSource)state!).TrySetResult(), ranAfter);
        await ranAfter.Task.WaitAsync(Backends.Timeout);

        using NopOperation nop = new();
        Assert.Equal(IoResult.Success(0), await Backends.OnLoop(loop, async () => await nop.SubmitAsync(loop.IoBackend)).WaitAsync(Backends.Timeout));
        Assert.Contains(logs.Messages, m => m.Level == Microsoft.Extensions.Logging.LogLevel.Error && m.Message.Contains("a work item threw", StringComparison.Ordinal));
    }

    [Fact]
    public void A_token_of_a_disposed_operation_never_resolves_to_the_operation_that_reuses_its_slot()
    {
        OperationRegistry registry = new();
        NopOperation first = new();
        OperationToken firstToken = registry.Issue(first);
        OperationToken firstAgain = registry.Issue(first);
        Assert.Equal(firstToken.Slot, firstAgain.Slot);
        Assert.NotEqual(firstToken, firstAgain);
        // A completion of the earlier submission (a copy left on a blocked ring, say) is stale.
        Assert.Null(registry.Resolve(firstToken));
        Assert.Same(first, registry.Resolve(firstAgain));

        first.Dispose();
        NopOperation second = new();
        OperationToken secondToken = registry.Issue(second);
        Assert.Equal(firstToken.Slot, secondToken.Slot);
        Assert.Null(registry.Resolve(firstToken));
        Assert.Null(registry.Resolve(firstAgain));
        Assert.Same(second, registry.Resolve(secondToken));
        Assert.NotEqual(OperationToken.Wake, secondToken);
        Assert.NotEqual(OperationToken.None, secondToken);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Work_queued_after_the_loop_stopped_still_runs_and_its_io_is_canceled(LoopBackendKind backend)
    {
        EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        await group.DisposeAsync();

        using NopOperation nop = new();
        TaskCompletionSource<IoResult> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // A late close of a connection, say: it runs at once on the caller, against the stopped loop's closed backend.
        loop.Schedule(_ =>
        {
            Assert.True(loop.IsOnLoopThread);
            ValueTask<IoResult> submitted = nop.SubmitAsync(loop.IoBackend);
            result.TrySetResult(submitted.IsCompleted ? submitted.Result : IoResult.Success(int.MaxValue));
        }, null);
        Assert.True((await result.Task.WaitAsync(Backends.Timeout)).IsCanceled);
    }
}
