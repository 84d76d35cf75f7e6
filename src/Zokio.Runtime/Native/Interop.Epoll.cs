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
        /// <remarks><paramref name="ev"/> is one <c>struct epoll_event</c> in the layout of <see cref="EpollEvents"/>.</remarks>
        [LibraryImport(Libraries.Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
        internal static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

        /// <summary><c>epoll_wait(2)</c>: returns the number of ready events, or -1 with errno set.</summary>
        /// <remarks><paramref name="events"/> is an array of <c>struct epoll_event</c> in the layout of <see cref="EpollEvents"/>.</remarks>
        [LibraryImport(Libraries.Libc, EntryPoint = "epoll_wait", SetLastError = true)]
        internal static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);
    }

    /// <summary><c>struct epoll_event</c> as x86-64 lays it out: packed, 12 bytes, the data at offset 4.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEventPacked
    {
        internal uint Events;
        internal ulong Data;
    }

    /// <summary><c>struct epoll_event</c> on the other 64-bit architectures (arm64): naturally aligned, 16 bytes, the data at offset 8.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EpollEventNatural
    {
        internal uint Events;
        internal ulong Data;
    }

    /// <summary>Reads and writes <c>struct epoll_event</c> arrays in the layout of the running architecture.</summary>
    internal static unsafe class EpollEvents
    {
        /// <summary>
        /// True on x86-64, the one 64-bit architecture whose header packs the struct
        /// (include/uapi/linux/eventpoll.h: <c>#ifdef __x86_64__ #define EPOLL_PACKED __attribute__((packed))</c>).
        /// A static readonly: the JIT folds every branch on it.
        /// </summary>
        internal static readonly bool IsPacked = RuntimeInformation.ProcessArchitecture == Architecture.X64;

        /// <summary>Bytes per event here.</summary>
        internal static int Size => SizeOf(IsPacked);

        internal static int SizeOf(bool packed) => packed ? sizeof(EpollEventPacked) : sizeof(EpollEventNatural);

        internal static void Write(byte* events, int index, uint mask, ulong data) => Write(events, index, mask, data, IsPacked);

        internal static void Read(byte* events, int index, out uint mask, out ulong data) => Read(events, index, out mask, out data, IsPacked);

        /// <summary>Writes event <paramref name="index"/> of an array laid out packed or natural.</summary>
        internal static void Write(byte* events, int index, uint mask, ulong data, bool packed)
        {
            if (packed)
            {
                ((EpollEventPacked*)events)[index] = new EpollEventPacked { Events = mask, Data = data };
            }
            else
            {
                ((EpollEventNatural*)events)[index] = new EpollEventNatural { Events = mask, Data = data };
            }
        }

        /// <summary>Reads event <paramref name="index"/> of an array laid out packed or natural.</summary>
        internal static void Read(byte* events, int index, out uint mask, out ulong data, bool packed)
        {
            if (packed)
            {
                EpollEventPacked ev = ((EpollEventPacked*)events)[index];
                (mask, data) = (ev.Events, ev.Data);
            }
            else
            {
                EpollEventNatural ev = ((EpollEventNatural*)events)[index];
                (mask, data) = (ev.Events, ev.Data);
            }
        }
    }
}
