using System.Buffers;
using System.IO.Pipelines;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Tells when a server's connection is blocked reading its input after having seen a given number of bytes: then it
/// has done all it can with what was sent, and ending the stream cannot race its processing.
/// </summary>
internal sealed class InputWatch
{
    private readonly Lock _lock = new();
    private long _seen;
    private long _waitingAt = -1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task WaitingWithAllReadAsync(long total)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_waitingAt >= total)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed;
        }
    }

    public void Seen(long bytes)
    {
        lock (_lock)
        {
            _seen = bytes;
        }
    }

    /// <summary>A read did not complete at once: the reader waits, having seen everything that had arrived.</summary>
    public void Waiting()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _waitingAt = _seen;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}

/// <summary>A connection's transport whose input reports its reads to an <see cref="InputWatch"/>.</summary>
internal sealed class WatchedTransport(IDuplexPipe inner, InputWatch watch) : IDuplexPipe
{
    public PipeReader Input { get; } = new WatchedReader(inner.Input, watch);

    public PipeWriter Output => inner.Output;

    private sealed class WatchedReader(PipeReader inner, InputWatch watch) : PipeReader
    {
        private ReadOnlySequence<byte> _buffer;
        private long _consumed;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ValueTask<ReadResult> read = inner.ReadAsync(cancellationToken);
            if (read.IsCompleted)
            {
                return new ValueTask<ReadResult>(Track(read.Result));
            }

            watch.Waiting();
            return AwaitAsync(read);
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            Track(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _consumed += _buffer.Slice(_buffer.Start, consumed).Length;
            watch.Seen(_consumed + _buffer.Slice(consumed).Length);
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> read) => Track(await read);

        private ReadResult Track(ReadResult result)
        {
            _buffer = result.Buffer;
            watch.Seen(_consumed + _buffer.Length);
            return result;
        }
    }
}
