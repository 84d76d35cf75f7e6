using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Scheduling;

/// <summary>Runs an async body on a loop's thread and hands its result back to the caller.</summary>
internal static class LoopInvoke
{
    public static Task<T> InvokeAsync<T>(this EventLoop loop, Func<Task<T>> body)
    {
        TaskCompletionSource<T> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(static async state =>
        {
            (Func<Task<T>> body, TaskCompletionSource<T> result) = ((Func<Task<T>>, TaskCompletionSource<T>))state!;
            try
            {
                result.TrySetResult(await body().ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }
        }, (body, result));
        return result.Task;
    }
}
