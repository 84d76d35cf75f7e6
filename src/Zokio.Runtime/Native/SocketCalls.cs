using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Zokio.Runtime.Io;

namespace Zokio.Runtime.Native;

/// <summary>The synchronous socket calls (create, bind, listen, options, names), throwing <see cref="SocketException"/> as .NET sockets do.</summary>
internal static unsafe class SocketCalls
{
    /// <summary>Creates a stream socket; non-blocking when the backend needs readiness semantics (epoll).</summary>
    public static FileDescriptorHandle Create(int family, bool nonBlocking)
    {
        int type = Interop.Sys.SOCK_STREAM | Interop.Sys.SOCK_CLOEXEC | (nonBlocking ? Interop.Sys.SOCK_NONBLOCK : 0);
        int fd = Interop.Sys.Socket(family, type, 0);
        ThrowIfFailed(fd);
        return new FileDescriptorHandle(fd);
    }

    public static void SetOption(int fd, int level, int name, int value)
    {
        ThrowIfFailed(Interop.Sys.SetSockOpt(fd, level, name, &value, sizeof(int)));
    }

    public static int GetOption(int fd, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        ThrowIfFailed(Interop.Sys.GetSockOpt(fd, level, name, &value, &length));
        return value;
    }

    public static void Bind(int fd, EndPoint endPoint)
    {
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(endPoint, new Span<byte>(address, SocketAddressCodec.MaxSize));
        ThrowIfFailed(Interop.Sys.Bind(fd, address, (uint)length));
    }

    public static void Listen(int fd, int backlog) => ThrowIfFailed(Interop.Sys.Listen(fd, backlog));

    public static EndPoint? GetLocalEndPoint(int fd)
    {
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        uint length = SocketAddressCodec.MaxSize;
        return Interop.Sys.GetSockName(fd, address, &length) == 0 ? SocketAddressCodec.Read(new ReadOnlySpan<byte>(address, (int)length)) : null;
    }

    public static EndPoint? GetRemoteEndPoint(int fd)
    {
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        uint length = SocketAddressCodec.MaxSize;
        return Interop.Sys.GetPeerName(fd, address, &length) == 0 ? SocketAddressCodec.Read(new ReadOnlySpan<byte>(address, (int)length)) : null;
    }

    /// <summary>recv(2) with MSG_DONTWAIT: bytes, 0 at end of stream, or the error (EAGAIN when nothing is there).</summary>
    public static IoResult ReceiveNonBlocking(int fd, nint buffer, int length) =>
        IoResult.FromSyscall(Interop.Sys.Recv(fd, (byte*)buffer, (nuint)length, Interop.Sys.MSG_DONTWAIT));

    /// <summary>connect(2) on a non-blocking socket: 0, or the error (EINPROGRESS while the handshake runs).</summary>
    public static IoResult ConnectNonBlocking(int fd, EndPoint endPoint)
    {
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(endPoint, new Span<byte>(address, SocketAddressCodec.MaxSize));
        return IoResult.FromSyscall(Interop.Sys.Connect(fd, address, (uint)length));
    }

    /// <summary>SO_ERROR: 0 when none, else the error a non-blocking connect ended with.</summary>
    public static IoResult GetPendingError(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        if (Interop.Sys.GetSockOpt(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_ERROR, &error, &length) != 0)
        {
            return IoResult.Failure(Marshal.GetLastPInvokeError());
        }

        return error == 0 ? IoResult.Success(0) : IoResult.Failure(error);
    }

    /// <summary>
    /// Makes the next close(2) of <paramref name="fd"/> abortive (SO_LINGER on with a zero timeout): the kernel sends an
    /// RST and drops unsent data, as <c>Socket.Close(0)</c> does. Errors are ignored: the peer may be gone already.
    /// </summary>
    public static void TrySetAbortiveClose(int fd)
    {
        Interop.Linger linger = new() { OnOff = 1, Seconds = 0 };
        Interop.Sys.SetSockOpt(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_LINGER, &linger, (uint)sizeof(Interop.Linger));
    }

    /// <summary>shutdown(2), ignoring errors: it is used while tearing a connection down, when the peer may be gone.</summary>
    public static void TryShutdown(int fd, int how) => Interop.Sys.Shutdown(fd, how);

    public static void SetNonBlocking(int fd, bool nonBlocking)
    {
        int flags = Interop.Sys.Fcntl(fd, Interop.Sys.F_GETFL, 0);
        ThrowIfFailed(flags);
        flags = nonBlocking ? flags | Interop.Sys.O_NONBLOCK : flags & ~Interop.Sys.O_NONBLOCK;
        ThrowIfFailed(Interop.Sys.Fcntl(fd, Interop.Sys.F_SETFL, flags));
    }

    private static void ThrowIfFailed(int result)
    {
        if (result < 0)
        {
            throw Interop.Errno.ToSocketException(-Marshal.GetLastPInvokeError());
        }
    }
}
