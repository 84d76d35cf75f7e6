using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;

namespace Zokio.Runtime.Files;

/// <summary>
/// A <see cref="ZokioFile.ReadAsync"/> the page cache could not serve at once: a READ on the loop's ring (or, with
/// epoll, a pread on the thread pool) whose caller awaits this object directly. Started on the loop, the caller resumes
/// inline where the loop dispatches the completion, with no async method between them: awaiting a method's own task
/// there would post the caller's continuation back to the loop through its SynchronizationContext (a queue hop and a
/// delegate per read). Reused by its file; one read at a time.
/// </summary>
internal sealed class PendingRead : IValueTaskSource<int>
{
    private readonly ZokioFile _file;
    private readonly ReadOperation _operation;
    private readonly Action _onReadCompleted;
    private ManualResetValueTaskSourceCore<int> _core;
    private ConfiguredValueTaskAwaitable<IoResult>.ConfiguredValueTaskAwaiter _read;
    private bool _startedOnLoop;

    public PendingRead(ZokioFile file)
    {
        _file = file;
        _operation = new ReadOperation(file.Loop);
        _onReadCompleted = OnReadCompleted;
    }

    /// <summary>Starts the read, the caller holding a reference on the file that the completion gives back.</summary>
    public ValueTask<int> Start(int fd, Memory<byte> buffer, long offset)
    {
        _core.Reset();
        _startedOnLoop = _file.Loop.IsOnLoopThread;
        _read = _operation.ReadAsync(fd, buffer, offset).ConfigureAwait(false).GetAwaiter();
        if (_read.IsCompleted)
        {
            OnReadCompleted();
        }
        else
        {
            // Resumes inline where the operation completes: on the loop when started there, else on the thread pool.
            _read.UnsafeOnCompleted(_onReadCompleted);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    private void OnReadCompleted()
    {
        IoResult result = _read.GetResult();
        _read = default;
        _file.ReleaseReference();
        if (result.Succeeded)
        {
            _core.SetResult(result.Value);
        }
        else
        {
            _core.SetException(FileErrors.ForOperation(result.Errno, _file.Path));
        }
    }

    public int GetResult(short token)
    {
        bool current = token == _core.Version;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            if (current)
            {
                // The caller has its result: the next read may use this object.
                _file.ReturnPendingRead(this);
            }
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        // On the loop, the loop's SynchronizationContext must not capture the continuation: it would turn the inline
        // resume into a queued one. Off the loop, the caller's own context (if any) is honoured.
        _core.OnCompleted(continuation, state, token, _startedOnLoop ? flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext : flags);

    /// <summary>Frees the operation's registry slot; only when no read is in flight.</summary>
    public void Dispose() => _operation.Dispose();
}
