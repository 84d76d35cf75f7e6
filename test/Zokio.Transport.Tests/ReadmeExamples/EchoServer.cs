using System.Net;
using Microsoft.AspNetCore.Connections;
using Zokio.Transport;

// An echo server on Zokio's event loops, with no web host: a console app's whole server.
public static class EchoServer
{
    public static async Task RunAsync(EndPoint endPoint, ZokioTransportOptions? options = null, Action<EndPoint>? listening = null, CancellationToken stop = default)
    {
        await using ZokioTransportFactory transport = ZokioTransportFactory.Create(options);
        await using IConnectionListener listener = await transport.BindAsync(endPoint, stop);
        listening?.Invoke(listener.EndPoint); // with port 0, the port the kernel chose
        while (await listener.AcceptAsync(stop) is { } connection)
        {
            _ = EchoAsync(connection);
        }
    }

    private static async Task EchoAsync(ConnectionContext connection)
    {
        await using (connection)
        {
            // Everything received goes straight back, until the client closes its side.
            await connection.Transport.Input.CopyToAsync(connection.Transport.Output);
        }
    }
}
