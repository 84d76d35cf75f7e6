using System.Net.Sockets;

namespace Zokio.Http.Tests.Server;

/// <summary>Reading what a server sends on a raw connection, for tests that look at the bytes and at how it ends.</summary>
internal static class RawResponse
{
    /// <summary>Everything until the server ends the connection (FIN, or a reset: then <c>Reset</c> is true).</summary>
    public static async Task<(byte[] Bytes, bool Reset)> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return (received.ToArray(), true);
            }

            if (read == 0)
            {
                return (received.ToArray(), false);
            }

            received.Write(buffer, 0, read);
        }
    }
}
