using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

namespace Zokio.Runtime.Tests;

/// <summary>A loopback connection accepted by a <see cref="LoopListener"/>: a client socket, and the loop's side of it.</summary>
public sealed class AcceptedConnection : IAsyncDisposable
{
    private readonly LoopListener _listener;

    private AcceptedConnection(LoopListener listener, Socket client, LoopSocket server)
    {
        _listener = listener;
        Client = client;
        Server = server;
    }

    /// <summary>The client side, a plain <see cref="Socket"/>.</summary>
    public Socket Client { get; }

    /// <summary>The accepted side, on one of the group's loops.</summary>
    public LoopSocket Server { get; }

    /// <summary>Binds a listener on loopback, connects a client to it and waits for the accepted socket.</summary>
    public static async Task<AcceptedConnection> OpenAsync(EventLoopGroup group)
    {
        LoopListener listener = LoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        TaskCompletionSource<LoopSocket> accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Start(socket => accepted.TrySetResult(socket));
        Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        return new AcceptedConnection(listener, client, await accepted.Task.WaitAsync(Backends.Timeout));
    }

    /// <summary>
    /// On the server's loop: receives into <paramref name="received"/> (append-only, as the receive requires) until it
    /// holds <paramref name="length"/> bytes or the peer's FIN arrives; returns everything it holds.
    /// </summary>
    public Task<byte[]> ReceiveAsync(ArrayBufferWriter<byte> received, int length = int.MaxValue) =>
        Backends.OnLoop(Server.Loop, async () =>
        {
            while (received.WrittenCount < length)
            {
                if ((await Server.ReceiveAsync(received)).IsEndOfStream)
                {
                    break;
                }
            }

            return received.WrittenSpan.ToArray();
        });

    public async ValueTask DisposeAsync()
    {
        Server.Dispose();
        Client.Dispose();
        await _listener.DisposeAsync();
    }
}
