using System.Buffers;
using System.IO.Pipelines;

namespace Zokio.Http.Server.Http1;

/// <summary><c>Request.Body</c>: the request body reader as a read-only stream, one per connection.</summary>
internal sealed class Http1RequestBodyStream(Http1Connection connection, PipeReader body) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadResult result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                body.AdvanceTo(result.Buffer.Start);
                throw new OperationCanceledException("The read was canceled.");
            }

            ReadOnlySequence<byte> data = result.Buffer;
            if (!data.IsEmpty || result.IsCompleted)
            {
                int count = (int)Math.Min(data.Length, buffer.Length);
                ReadOnlySequence<byte> taken = data.Slice(0, count);
                taken.CopyTo(buffer.Span);
                body.AdvanceTo(taken.End);
                return count;
            }

            body.AdvanceTo(data.Start, data.End);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (!connection.AllowSynchronousIO)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed. Call ReadAsync or set AllowSynchronousIO to true instead.");
        }

        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                body.AdvanceTo(result.Buffer.Start);
                throw new OperationCanceledException("The read was canceled.");
            }

            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                await destination.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }

            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
