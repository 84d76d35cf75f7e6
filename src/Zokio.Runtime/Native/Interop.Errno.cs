using System.Net.Sockets;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    /// <summary>Linux errno values (asm-generic/errno-base.h, errno.h) that Zokio handles by name.</summary>
    internal static class Errno
    {
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EFAULT = 14;
        internal const int EBUSY = 16;
        internal const int EEXIST = 17;
        internal const int EINVAL = 22;
        internal const int EMFILE = 24;
        internal const int ENFILE = 23;
        internal const int EPIPE = 32;
        internal const int EPROTO = 71;
        internal const int ENOSYS = 38;
        internal const int ETIME = 62;
        internal const int ENOTSOCK = 88;
        internal const int EOPNOTSUPP = 95;
        internal const int EADDRINUSE = 98;
        internal const int EADDRNOTAVAIL = 99;
        internal const int ENETUNREACH = 101;
        internal const int ECONNABORTED = 103;
        internal const int ECONNRESET = 104;
        internal const int ENOBUFS = 105;
        internal const int ENOTCONN = 107;
        internal const int ESHUTDOWN = 108;
        internal const int ETIMEDOUT = 110;
        internal const int ECONNREFUSED = 111;
        internal const int EHOSTUNREACH = 113;
        internal const int EALREADY = 114;
        internal const int EINPROGRESS = 115;
        internal const int ECANCELED = 125;

        /// <summary>Maps errno to the <see cref="SocketError"/> .NET sockets report for it, so callers see familiar exceptions.</summary>
        internal static SocketError ToSocketError(int errno) => errno switch
        {
            0 => SocketError.Success,
            EINTR => SocketError.Interrupted,
            EAGAIN => SocketError.WouldBlock,
            EACCES or EPERM => SocketError.AccessDenied,
            EFAULT => SocketError.Fault,
            EINVAL => SocketError.InvalidArgument,
            EMFILE or ENFILE => SocketError.TooManyOpenSockets,
            EPIPE => SocketError.Shutdown,
            ENOTSOCK or EBADF => SocketError.NotSocket,
            EOPNOTSUPP => SocketError.OperationNotSupported,
            EADDRINUSE => SocketError.AddressAlreadyInUse,
            EADDRNOTAVAIL => SocketError.AddressNotAvailable,
            ENETUNREACH => SocketError.NetworkUnreachable,
            ECONNABORTED => SocketError.ConnectionAborted,
            ECONNRESET => SocketError.ConnectionReset,
            ENOBUFS or ENOMEM => SocketError.NoBufferSpaceAvailable,
            ENOTCONN => SocketError.NotConnected,
            ESHUTDOWN => SocketError.Shutdown,
            ETIMEDOUT => SocketError.TimedOut,
            ECONNREFUSED => SocketError.ConnectionRefused,
            EHOSTUNREACH => SocketError.HostUnreachable,
            EALREADY => SocketError.AlreadyInProgress,
            EINPROGRESS => SocketError.InProgress,
            ECANCELED => SocketError.OperationAborted,
            _ => SocketError.SocketError,
        };

        /// <summary>A <see cref="SocketException"/> for a negative syscall result (-errno), as <see cref="Socket"/> would throw it.</summary>
        internal static SocketException ToSocketException(int negativeErrno)
        {
            int errno = -negativeErrno;
            SocketError error = ToSocketError(errno);
            return error == SocketError.SocketError ? new SocketException((int)error, $"errno {errno}") : new SocketException((int)error);
        }
    }
}
