using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

internal static partial class Interop
{
    internal static unsafe partial class Sys
    {
        internal const int EPOLL_CLOEXEC = 0x80000;
        internal const int EPOLL_CTL_ADD = 1;
        internal const int EPOLL_CTL_DEL = 2;
        internal const int EPOLL_CTL_MOD = 3;
        internal const uint EPOLLIN = 0x001;
        internal const uint EPOLLOUT = 0x004;
        internal const uint EPOLLERR = 0x008;
        internal const uint EPOLLHUP = 0x010;
        internal const uint EPOLLRDHUP = 0x2000;
        internal const uint EPOLLET = 0x80000000;

        /// <summary><c>epoll_create1(2)</c>: returns an epoll fd, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "epoll_create1", SetLastError = true)]
        internal static partial int EpollCreate1(int flags);

        /// <summary><c>epoll_ctl(2)</c>: returns 0, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
        internal static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

        /// <summary><c>epoll_wait(2)</c>: returns the number of ready events, or -1 with errno set.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "epoll_wait", SetLastError = true)]
        internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);
    }

    /// <summary><c>struct epoll_event</c>; packed on x86-64 (12 bytes), naturally aligned elsewhere (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        internal uint Events;
        internal ulong Data;
    }
}
