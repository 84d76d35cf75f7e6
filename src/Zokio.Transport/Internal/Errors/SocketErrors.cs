using System.Net.Sockets;

namespace Zokio.Transport.Internal.Errors;

/// <summary>How socket errors map to Kestrel's connection exceptions, as in the Sockets transport on Linux.</summary>
internal static class SocketErrors
{
    /// <summary>The peer reset or already closed the connection.</summary>
    public static bool IsConnectionReset(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted;

    /// <summary>Our side ended the operation (shutdown, cancel).</summary>
    public static bool IsConnectionAbort(SocketError error) =>
        error is SocketError.OperationAborted or SocketError.Interrupted or SocketError.InvalidArgument or SocketError.NotSocket;
}
