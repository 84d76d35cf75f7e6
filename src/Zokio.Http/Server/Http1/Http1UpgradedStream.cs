using System.Buffers;
using System.IO.Pipelines;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The connection after <c>101 Switching Protocols</c> (WebSockets): raw bytes both ways, each write flushed.
/// </summary>
internal sealed class Http1UpgradedStream(Http1Connection connection) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadResult result = await connection.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> data = result.Buffer;
            if (result.IsCanceled)
            {
                connection.Input.AdvanceTo(data.Start);
                continue;
            }

            if (!data.IsEmpty || result.IsCompleted)
            {
                int count = (int)Math.Min(data.Length, buffer.Length);
                ReadOnlySequence<byte> taken = data.Slice(0, count);
                taken.CopyTo(buffer.Span);
                connection.Input.AdvanceTo(taken.End);
                return count;
            }

            connection.Input.AdvanceTo(data.Start, data.End);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (connection.OutputClosed)
        {
            throw new IOException("The connection was closed.");
        }

        connection.Output.Write(buffer.Span);
        connection.OutputWritten();
        await connection.FlushPendingOutputAsync().ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => connection.FlushPendingOutputAsync().AsTask();

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use ReadAsync.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use WriteAsync.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
