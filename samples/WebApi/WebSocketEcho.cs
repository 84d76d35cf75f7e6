using System.Buffers;
using System.Net.WebSockets;

namespace Zokio.Samples.WebApi;

/// <summary>Sends every WebSocket message back as it arrives, frame by frame, until the client closes; then closes with the client's status and reason.</summary>
public static class WebSocketEcho
{
    public static async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // Echo the client's own status and reason (RFC 6455 5.5.1: "typically echos the status code it
                    // received"). Empty means its close frame carried no status, and then neither does ours.
                    WebSocketCloseStatus status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
                    await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : socket.CloseStatusDescription, cancellationToken);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
