using System.Threading.Tasks.Sources;

namespace Zokio.Runtime.Loops;

/// <summary>
/// An <see cref="IoOperation"/> that can be awaited, reused for every submission (no allocation per operation).
/// Its continuation runs inline on the loop thread when the completion is dispatched.
/// </summary>
internal sealed class AsyncIoOperation : IoOperation, IValueTaskSource<int>
{
    // Continuations run inline: the completing thread is the loop, which is where the awaiting code wants to be.
    private ManualResetValueTaskSourceCore<int> _core;

    /// <summary>Submits the operation with the arguments already set; call on the loop thread.</summary>
    public ValueTask<int> SubmitAsync(LoopBackend backend)
    {
        _core.Reset();
        backend.Submit(this);
        return new ValueTask<int>(this, _core.Version);
    }

    public override void OnCompleted(int result) => _core.SetResult(result);

    public int GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        // The loop's SynchronizationContext must not capture the continuation: it would turn an inline resume
        // into a queued one. Transport code always wants to resume right where the completion is dispatched.
        _core.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);
}
