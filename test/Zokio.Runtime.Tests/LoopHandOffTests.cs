using Microsoft.Extensions.Logging.Abstractions;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.HandOff;
using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>The hand-off of a loop whose thread is blocked in application work, when no successor thread can start.</summary>
public class LoopHandOffTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_successor_that_cannot_start_leaves_the_blocked_thread_its_loop_and_throws_nothing(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        LoopHandOff handOff = new(group.Loops[0], NullLogger.Instance, handOffWhenBlocked: true);
        using HandOffDriver.SleepingThread blocked = await HandOffDriver.SleepingThread.StartAsync();

        // A thread asleep in "application work" that began long before the threshold: the detector hands it off.
        LoopThread owner = new(blocked.KernelThreadId, new ClosedBackend(backend));
        handOff.BecomeOwner(owner);
        owner.BeginApplicationWork(Environment.TickCount64 - 10_000);

        // Thread.Start failing, as it does out of memory: on the detector's timer thread, an escaping exception
        // would end the process.
        handOff.CheckForStall(Environment.TickCount64, thresholdMs: 100, new GcPauseHistory(), _ => throw new OutOfMemoryException("No thread for you."));

        Assert.True(owner.TakeOverDone.IsSet, "The failed hand-off did not release the blocked thread's wait.");
        Assert.False(owner.EndApplicationWork(), "The loop was not handed off, so the failure path was not exercised.");
        Assert.False(handOff.Leave(owner), "The blocked thread left the loop though no successor runs it.");
        Assert.False(handOff.IsDivertingApplicationWork, "Application work is still diverted after the failed hand-off.");
    }
}
