using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        internal const int AF_UNIX = 1;
        internal const int AF_INET = 2;
        internal const int AF_INET6 = 10;
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_NONBLOCK = 0x800;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int SOL_SOCKET = 1;
        internal const int SO_REUSEADDR = 2;
        internal const int SO_ERROR = 4;
        internal const int SO_REUSEPORT = 15;
        internal const int SO_LINGER = 13;
        internal const int IPPROTO_TCP = 6;
        internal const int IPPROTO_IPV6 = 41;
        internal const int TCP_NODELAY = 1;
        internal const int IPV6_V6ONLY = 26;
        internal const int SHUT_WR = 1;
        internal const int SHUT_RDWR = 2;
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int F_GETFL = 3;
        internal const int F_SETFL = 4;
        internal const int O_NONBLOCK = 0x800;

        /// <summary><c>socket(2)</c>: returns a new fd, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        internal static partial int Socket(int domain, int type, int protocol);

        /// <summary><c>bind(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
        internal static partial int Bind(int fd, byte* addr, uint addrLen);

        /// <summary><c>listen(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "listen", SetLastError = true)]
        internal static partial int Listen(int fd, int backlog);

        /// <summary><c>accept4(2)</c>: returns the accepted fd, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "accept4", SetLastError = true)]
        internal static partial int Accept4(int fd, byte* addr, uint* addrLen, int flags);

        /// <summary><c>connect(2)</c>: returns 0, or -1 with errno set (EINPROGRESS on a non-blocking socket).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "connect", SetLastError = true)]
        internal static partial int Connect(int fd, byte* addr, uint addrLen);

        /// <summary><c>setsockopt(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint valueLen);

        /// <summary><c>getsockopt(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        internal static partial int GetSockOpt(int fd, int level, int name, void* value, uint* valueLen);

        /// <summary><c>getsockname(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getsockname", SetLastError = true)]
        internal static partial int GetSockName(int fd, byte* addr, uint* addrLen);

        /// <summary><c>getpeername(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpeername", SetLastError = true)]
        internal static partial int GetPeerName(int fd, byte* addr, uint* addrLen);

        /// <summary><c>recv(2)</c>: returns bytes received (0 at FIN), or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "recv", SetLastError = true)]
        internal static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

        /// <summary><c>send(2)</c>: returns bytes sent, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "send", SetLastError = true)]
        internal static partial nint Send(int fd, byte* buffer, nuint length, int flags);

        /// <summary><c>sendmsg(2)</c>: returns bytes sent, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        internal static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

        /// <summary><c>shutdown(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "shutdown", SetLastError = true)]
        internal static partial int Shutdown(int fd, int how);

        /// <summary><c>fcntl(2)</c> with an int argument: returns the command's value, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int cmd, int arg);
    }

    /// <summary><c>struct linger</c>, for SO_LINGER.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Linger
    {
        internal int OnOff;
        internal int Seconds;
    }

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        internal void* Base;
        internal nuint Length;
    }

    /// <summary><c>struct msghdr</c> (LP64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHdr
    {
        internal void* Name;
        internal uint NameLen;
        internal IoVec* Iov;
        internal nuint IovLen;
        internal void* Control;
        internal nuint ControlLen;
        internal int Flags;
    }
}
