namespace Zokio.Http.Server.Http1;

/// <summary><c>Response.Body</c>: the response body writer as a write-only stream, one per connection.</summary>
internal sealed class Http1ResponseBodyStream(Http1Connection connection, Http1ResponseBodyWriter body) : Http1Stream
{
    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<System.IO.Pipelines.FlushResult> flush = body.WriteAsync(buffer, cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            // Consumed, so a pooled source goes back to its pool.
            flush.GetAwaiter().GetResult();
            return default;
        }

        return new ValueTask(flush.AsTask());
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!connection.AllowSynchronousIO)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed. Call WriteAsync or set AllowSynchronousIO to true instead.");
        }

        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ValueTask<System.IO.Pipelines.FlushResult> flush = body.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            flush.GetAwaiter().GetResult();
            return Task.CompletedTask;
        }

        return flush.AsTask();
    }

    public override void Flush()
    {
        if (!connection.AllowSynchronousIO)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed. Call FlushAsync or set AllowSynchronousIO to true instead.");
        }

        FlushAsync(default).GetAwaiter().GetResult();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The response body is written, not read.");

}
