using System.IO.Pipelines;

namespace Zokio.Http.Server.Http1;

/// <summary><c>Request.Body</c>: the request body reader as a read-only stream, one per connection.</summary>
internal sealed class Http1RequestBodyStream(Http1Connection connection, PipeReader body) : Http1Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(body, buffer, cancelThrows: true, cancellationToken);

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

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read, not written.");
}
