namespace Zokio.Runtime.Loops;

/// <summary>A callback queued to run on a loop. <see cref="IsApplication"/> marks work that may block (user code).</summary>
internal readonly struct WorkItem(Action<object?> callback, object? state, bool isApplication)
{
    public readonly Action<object?> Callback = callback;
    public readonly object? State = state;
    public readonly bool IsApplication = isApplication;
}
