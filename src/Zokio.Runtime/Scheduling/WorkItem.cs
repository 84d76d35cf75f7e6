using System.Runtime.CompilerServices;

namespace Zokio.Runtime.Scheduling;

/// <summary>A callback queued to run on a loop, with what kind of work it is.</summary>
internal readonly struct WorkItem
{
    private readonly Delegate _callback;
    private readonly object? _state;

    private WorkItem(Delegate callback, object? state, WorkKind kind)
    {
        _callback = callback;
        _state = state;
        Kind = kind;
    }

    public WorkKind Kind { get; }

    /// <summary>Application work may block (user code): the stall detector watches it.</summary>
    public bool IsApplication => Kind != WorkKind.Loop;

    public static WorkItem Loop(Action<object?> callback, object? state) => new(callback, state, WorkKind.Loop);

    public static WorkItem Application(Action<object?> callback, object? state) => new(callback, state, WorkKind.Application);

    /// <summary>A SynchronizationContext post, queued as it is so posting allocates nothing.</summary>
    public static WorkItem Posted(SendOrPostCallback callback, object? state) => new(callback, state, WorkKind.Posted);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke()
    {
        // The kind fixes the delegate type, so no type check is needed on the loop's hot path.
        if (Kind == WorkKind.Posted)
        {
            Unsafe.As<SendOrPostCallback>(_callback)(_state);
        }
        else
        {
            Unsafe.As<Action<object?>>(_callback)(_state);
        }
    }

    public enum WorkKind : byte
    {
        Loop,
        Application,
        Posted,
    }
}
