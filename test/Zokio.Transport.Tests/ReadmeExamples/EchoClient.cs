using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Zokio.Transport;

// A client on the loops: connect, send a line, read the echo.
public static class EchoClient
{
    public static async Task<string> SendAsync(EndPoint server, string line, ZokioTransportOptions? options = null)
    {
        await using ZokioConnectionFactory client = ZokioConnectionFactory.Create(options);
        await using ConnectionContext connection = await client.ConnectAsync(server);
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        await connection.Transport.Output.WriteAsync(bytes);
        ReadResult echo = await connection.Transport.Input.ReadAtLeastAsync(bytes.Length);
        string reply = Encoding.UTF8.GetString(echo.Buffer.Slice(0, bytes.Length));
        connection.Transport.Input.AdvanceTo(echo.Buffer.GetPosition(bytes.Length));
        return reply;
    }
}
