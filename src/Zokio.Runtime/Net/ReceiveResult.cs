namespace Zokio.Runtime.Net;

/// <summary>What one <see cref="LoopSocket.ReceiveAsync"/> brought: bytes, the peer's end of stream, or both.</summary>
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

    /// <summary>Bytes written to the target (0 only at end of stream).</summary>
    public int BytesReceived { get; }

    /// <summary>
    /// True when the peer has finished sending: nothing follows the bytes of this result. Bytes and the FIN that
    /// arrived together come in one result, so a server can tell a request followed by the client's FIN from one
    /// that keeps the connection open before it answers.
    /// </summary>
    public bool IsEndOfStream { get; }
}
