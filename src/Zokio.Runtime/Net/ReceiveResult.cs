using System.Net.Sockets;

namespace Zokio.Runtime.Net;

/// <summary>
/// What one <see cref="LoopSocket.ReceiveAsync"/> brought: bytes, the peer's end of stream, or both; or the error that
/// ended the connection's receiving.
/// </summary>
/// <remarks>
/// An error is a result, not an exception: a server ends connections all the time (a reset peer, its own shutdown or
/// abort canceling the receive), and a thrown exception costs microseconds each time it passes an await.
/// </remarks>
public readonly struct ReceiveResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="bytesReceived">Bytes written to the target.</param>
    /// <param name="isEndOfStream">Whether the peer has finished sending (its FIN arrived).</param>
    public ReceiveResult(int bytesReceived, bool isEndOfStream)
    {
        BytesReceived = bytesReceived;
        IsEndOfStream = isEndOfStream;
    }

    /// <summary>Creates the result of a receive that ended with <paramref name="error"/>: the end of the stream, no bytes.</summary>
    /// <param name="error">Why receiving ended; not <see cref="SocketError.Success"/>.</param>
    public ReceiveResult(SocketError error)
    {
        if (error == SocketError.Success)
        {
            throw new ArgumentOutOfRangeException(nameof(error), error, "An error result needs an error; use the other constructor for bytes or the end of stream.");
        }

        IsEndOfStream = true;
        Error = error;
    }

    /// <summary>Bytes written to the target (0 only at end of stream or with an error).</summary>
    public int BytesReceived { get; }

    /// <summary>
    /// True when nothing follows the bytes of this result: the peer has finished sending, or receiving ended with
    /// <see cref="Error"/>. Bytes and the FIN that arrived together come in one result, so a server can tell a request
    /// followed by the client's FIN from one that keeps the connection open before it answers.
    /// </summary>
    public bool IsEndOfStream { get; }

    /// <summary>
    /// <see cref="SocketError.Success"/>, or why receiving ended: <see cref="SocketError.ConnectionReset"/> when the
    /// peer reset the connection, <see cref="SocketError.OperationAborted"/> when this side shut the socket down or
    /// aborted it, or another error the kernel reported. The bytes that came before it were returned first.
    /// </summary>
    public SocketError Error { get; }
}
