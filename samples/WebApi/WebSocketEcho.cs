using System.Buffers;
using System.Net.WebSockets;

namespace Zokio.Samples.WebApi;

/// <summary>Sends every WebSocket message back as it arrives, frame by frame, until the client closes; then closes with the client's status and reason.</summary>
public static class WebSocketEcho
{
    /// <summary>Serves the echo on <paramref name="pattern"/>; anything but a WebSocket request gets 400. Needs <c>UseWebSockets()</c>.</summary>
    public static IEndpointConventionBuilder MapWebSocketEcho(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.Map(pattern, static async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            await RunAsync(socket, context.RequestAborted);
        });

    private static async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // Echo the client's own status and reason (RFC 6455 5.5.1: an endpoint "typically echos the status
                    // code it received"). A close frame without a status (Empty, 1005, which must never be sent) is
                    // answered with a normal closure.
                    if (socket.CloseStatus is { } status && status != WebSocketCloseStatus.Empty)
                    {
                        await socket.CloseOutputAsync(status, socket.CloseStatusDescription, cancellationToken);
                    }
                    else
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    }
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
