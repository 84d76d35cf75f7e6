using Zokio.Runtime.Loops;

namespace Zokio.Testing;

/// <summary>Theory data: every test touching a loop runs on io_uring and on epoll.</summary>
public static class Backends
{
    /// <summary>How long a test waits for anything (a start, a stop, a condition) before it fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<LoopBackendKind> Kinds { get; } = [LoopBackendKind.IoUring, LoopBackendKind.Epoll];

    public static TheoryData<LoopBackendKind> All => new(Kinds);

    /// <summary>Every backend with each of <paramref name="values"/>: a theory's other parameter, on both backends.</summary>
    public static TheoryData<LoopBackendKind, T> With<T>(params T[] values)
    {
        TheoryData<LoopBackendKind, T> data = new();
        foreach (T value in values)
        {
            foreach (LoopBackendKind backend in Kinds)
            {
                data.Add(backend, value);
            }
        }

        return data;
    }

    /// <inheritdoc cref="With{T}(T[])"/>
    public static TheoryData<LoopBackendKind, T1, T2> With<T1, T2>(params (T1, T2)[] values)
    {
        TheoryData<LoopBackendKind, T1, T2> data = new();
        foreach ((T1 first, T2 second) in values)
        {
            foreach (LoopBackendKind backend in Kinds)
            {
                data.Add(backend, first, second);
            }
        }

        return data;
    }

    /// <summary>A group of <paramref name="loops"/> loops on <paramref name="backend"/> with a small ring.</summary>
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
}
