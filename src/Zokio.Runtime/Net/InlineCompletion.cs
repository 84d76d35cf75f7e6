using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Zokio.Runtime.Net;

/// <summary>
/// Hands the result of an inner <see cref="ValueTask{T}"/> to whoever awaits the returned one, resuming them inline
/// where the inner one completes (the loop's dispatch), never through the awaiting thread's captured context. Reused for
/// every call: one outstanding call at a time, nothing allocated per call.
/// </summary>
/// <remarks>
/// An awaiter on a loop thread captures the loop's <see cref="SynchronizationContext"/>, so awaiting an async method's
/// own (pooled) task there posts its continuation back to the loop: a delegate and a queue hop per await. The loop's own
/// operations resume inline instead; this gives async methods of the runtime's public API the same behaviour.
/// </remarks>
internal sealed class InlineCompletion<T> : IValueTaskSource<T>
{
    private readonly Action _onInnerCompleted;
    private ManualResetValueTaskSourceCore<T> _core;
    private ConfiguredValueTaskAwaitable<T>.ConfiguredValueTaskAwaiter _inner;

    public InlineCompletion() => _onInnerCompleted = OnInnerCompleted;

    /// <summary>Returns <paramref name="inner"/> itself when it has completed, else a task that completes with it.</summary>
    public ValueTask<T> Wrap(ValueTask<T> inner)
    {
        if (inner.IsCompleted)
        {
            return inner;
        }

        _core.Reset();
        _inner = inner.ConfigureAwait(false).GetAwaiter();
        _inner.UnsafeOnCompleted(_onInnerCompleted);
        return new ValueTask<T>(this, _core.Version);
    }

    private void OnInnerCompleted()
    {
        ConfiguredValueTaskAwaitable<T>.ConfiguredValueTaskAwaiter inner = _inner;
        _inner = default;
        try
        {
            _core.SetResult(inner.GetResult());
        }
        catch (Exception ex)
        {
            _core.SetException(ex);
        }
    }

    public T GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);
}
