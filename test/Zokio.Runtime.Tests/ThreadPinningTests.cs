using System.Runtime.ExceptionServices;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Tests;

public class ThreadPinningTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task PinThreads_under_a_one_cpu_mask_pins_every_loop_to_that_cpu(LoopBackendKind backend)
    {
        int[] allowed = ThreadAffinity.GetCurrentThreadCpus();
        Assert.NotEmpty(allowed);
        // As under `taskset -c N`: the last CPU this process may use, which is not CPU 0 on any machine with two.
        int onlyCpu = allowed[^1];

        await using EventLoopGroup group = StartFromThreadWithMask(onlyCpu, backend, loops: 2);

        foreach (EventLoop loop in group.Loops)
        {
            Assert.Equal([onlyCpu], await LoopThreadCpus(loop));
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task PinThreads_pins_loop_i_to_the_i_th_cpu_of_the_process_mask(LoopBackendKind backend)
    {
        int[] allowed = ThreadAffinity.GetCurrentThreadCpus();
        Assert.NotEmpty(allowed);

        // One loop more than CPUs, so the last one wraps around to the first CPU.
        await using EventLoopGroup group = Backends.Start(backend, loops: allowed.Length + 1, configure: o => o.PinThreads = true);

        for (int i = 0; i < group.Loops.Count; i++)
        {
            Assert.Equal([allowed[i % allowed.Length]], await LoopThreadCpus(group.Loops[i]));
        }
    }

    private static Task<int[]> LoopThreadCpus(EventLoop loop) =>
        Backends.OnLoop(loop, () => Task.FromResult(ThreadAffinity.GetCurrentThreadCpus())).WaitAsync(Backends.Timeout);

    /// <summary>
    /// Starts a pinned group from a dedicated thread whose mask holds only <paramref name="cpu"/>, so the group sees the
    /// mask a process started under <c>taskset</c> has, and no thread-pool thread's mask is changed.
    /// </summary>
    private static EventLoopGroup StartFromThreadWithMask(int cpu, LoopBackendKind backend, int loops)
    {
        EventLoopGroup? group = null;
        ExceptionDispatchInfo? error = null;
        Thread starter = new(() =>
        {
            try
            {
                Assert.True(ThreadAffinity.TryPinCurrentThread(cpu), $"sched_setaffinity refused CPU {cpu}.");
                group = Backends.Start(backend, loops, o => o.PinThreads = true);
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
        });
        starter.Start();
        Assert.True(starter.Join(Backends.Timeout), "Starting the group did not finish.");
        error?.Throw();
        return group!;
    }
}
