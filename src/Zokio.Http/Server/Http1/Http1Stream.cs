using System.Buffers;
using System.IO.Pipelines;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// What the server's streams share (request body, response body, upgraded connection): they move bytes one way at a
/// time and never seek, and reading is copying out of a <see cref="PipeReader"/>.
/// </summary>
internal abstract class Http1Stream : Stream
{
    public sealed override bool CanSeek => false;

    public sealed override long Length => throw NotSeekable();

    public sealed override long Position { get => throw NotSeekable(); set => throw NotSeekable(); }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw NotSeekable();

    public sealed override void SetLength(long value) => throw NotSeekable();

    /// <summary>
    /// Copies the next bytes of <paramref name="reader"/> into <paramref name="buffer"/>: 0 at the end. A canceled read
    /// throws <see cref="OperationCanceledException"/> when <paramref name="cancelThrows"/>, else is read again.
    /// </summary>
    protected static async ValueTask<int> ReadFromAsync(PipeReader reader, Memory<byte> buffer, bool cancelThrows, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> data = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(data.Start);
                if (cancelThrows)
                {
                    throw new OperationCanceledException("The read was canceled.");
                }

                continue;
            }

            if (!data.IsEmpty || result.IsCompleted)
            {
                int count = (int)Math.Min(data.Length, buffer.Length);
                ReadOnlySequence<byte> taken = data.Slice(0, count);
                taken.CopyTo(buffer.Span);
                reader.AdvanceTo(taken.End);
                return count;
            }

            reader.AdvanceTo(data.Start, data.End);
        }
    }

    private static NotSupportedException NotSeekable() =>
        new("An HTTP body or an upgraded connection is a stream of bytes in one direction; it has no length or position to seek.");
}
