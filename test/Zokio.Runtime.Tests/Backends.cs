using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>Theory data: every loop test runs on io_uring and on epoll.</summary>
public static class Backends
{
    public static TheoryData<LoopBackendKind> All => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    public static EventLoopGroup Start(LoopBackendKind backend, int loops = 1, Action<EventLoopGroupOptions>? configure = null)
    {
        EventLoopGroupOptions options = new() { LoopCount = loops, Backend = backend, RingEntries = 64 };
        configure?.Invoke(options);
        return EventLoopGroup.Start(options);
    }

    /// <summary>Runs <paramref name="body"/> on the loop's thread and returns its result.</summary>
    public static Task<T> OnLoop<T>(EventLoop loop, Func<Task<T>> body)
    {
        TaskCompletionSource<T> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(async _ =>
        {
            try
            {
                result.TrySetResult(await body());
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }
        }, null);
        return result.Task;
    }

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
}
