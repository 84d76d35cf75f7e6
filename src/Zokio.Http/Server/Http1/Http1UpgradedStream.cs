using System.Buffers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The connection after <c>101 Switching Protocols</c> (WebSockets): raw bytes both ways, each write flushed.
/// </summary>
internal sealed class Http1UpgradedStream(Http1Connection connection) : Http1Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    // A canceled read here is the server's (a graceful shutdown's wake-up): the upgraded connection reads on.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(connection.Input, buffer, cancelThrows: false, cancellationToken);

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
}
