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
    private long _written;
    private long _waitingAt = -1;
    private long _writtenWhenWaiting;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly List<string> _events = [];

    public override string ToString()
    {
        lock (_lock)
        {
            return "reads: " + string.Join(' ', _events);
        }
    }

    /// <summary>Completes when the reader waits having seen <paramref name="total"/> bytes; returns the bytes written by then.</summary>
    public async Task<long> WaitingWithAllReadAsync(long total)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_waitingAt >= total)
                {
                    return _writtenWhenWaiting;
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
            _events.Add("s" + bytes);
        }
    }

    /// <summary>The server has written <paramref name="bytes"/> bytes in all to its output.</summary>
    public void Written(long bytes)
    {
        lock (_lock)
        {
            _written = bytes;
        }
    }

    /// <summary>A read did not complete at once: the reader waits, having seen everything that had arrived.</summary>
    public void Waiting()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _waitingAt = _seen;
            _writtenWhenWaiting = _written;
            _events.Add("w" + _seen + "/" + _written);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}

/// <summary>A connection's transport that reports its reads and writes to an <see cref="InputWatch"/>.</summary>
internal sealed class WatchedTransport(IDuplexPipe inner, InputWatch watch) : IDuplexPipe
{
    public PipeReader Input { get; } = new WatchedReader(inner.Input, watch);

    public PipeWriter Output { get; } = new WatchedWriter(inner.Output, watch);

    private sealed class WatchedWriter(PipeWriter inner, InputWatch watch) : PipeWriter
    {
        private long _written;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            _written += bytes;
            watch.Written(_written);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            _written += source.Length;
            watch.Written(_written);
            return inner.WriteAsync(source, cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    }

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
