using System.Runtime.InteropServices;
using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Epoll;

/// <summary>
/// The epoll backend: turns readiness into completions. An operation is tried at once with a non-blocking syscall;
/// when it would block, it waits on its fd's edge-triggered readiness and is retried then.
/// </summary>
/// <remarks>
/// Every fd is registered once for input and output with EPOLLET, so a busy connection costs no epoll_ctl calls.
/// With edge triggering an fd is known to be idle only after a syscall returned EAGAIN, so the write flag starts true
/// and is cleared on EAGAIN only; the read flag starts false, because registering a readable fd raises its event at
/// once. Direct syscalls on the loop (recv, accept4) report EAGAIN through <see cref="MarkNotReadable"/>.
/// </remarks>
internal sealed unsafe class EpollBackend : LoopBackend
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly FileDescriptorHandle _epoll;
    private readonly FileDescriptorHandle _wakeFd;
    private readonly byte* _events;
    private FdState?[] _fds = new FdState?[1024];
    private long _enters;
    private long _submitted;

    private EpollBackend(FileDescriptorHandle epoll, FileDescriptorHandle wakeFd)
    {
        _epoll = epoll;
        _wakeFd = wakeFd;
        _events = (byte*)NativeMemory.Alloc(MaxEvents, (nuint)Interop.EpollEvents.Size);
        byte* ev = stackalloc byte[Interop.EpollEvents.Size];
        Interop.EpollEvents.Write(ev, 0, Interop.Sys.EPOLLIN, WakeToken);
        if (Interop.Sys.EpollCtl(_epoll.Fd, Interop.Sys.EPOLL_CTL_ADD, _wakeFd.Fd, ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl(ADD, eventfd) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    public override LoopBackendKind Kind => LoopBackendKind.Epoll;

    public override long Enters => _enters;

    public override long Submitted => _submitted;

    public override string Description => "epoll (edge-triggered)";

    /// <summary>Creates the backend, or returns null with the reason when epoll is unusable here.</summary>
    public static EpollBackend? TryCreate(out string? reason)
    {
        int epfd = Interop.Sys.EpollCreate1(Interop.Sys.EPOLL_CLOEXEC);
        if (epfd < 0)
        {
            reason = $"epoll_create1 failed with errno {Marshal.GetLastPInvokeError()}";
            return null;
        }

        int efd = Interop.Sys.Eventfd(0, Interop.Sys.EFD_CLOEXEC | Interop.Sys.EFD_NONBLOCK);
        if (efd < 0)
        {
            reason = $"eventfd failed with errno {Marshal.GetLastPInvokeError()}";
            Interop.Sys.Close(epfd);
            return null;
        }

        reason = null;
        return new EpollBackend(new FileDescriptorHandle(epfd), new FileDescriptorHandle(efd));
    }

    public override void Submit(IoOperation operation)
    {
        _submitted++;
        if (operation.EpollWait == EpollWait.None)
        {
            // Nop, close, and files: regular files are always "ready" to epoll, so the syscall blocks the loop briefly,
            // which is the fallback's cost (ZokioFile sends them to the thread pool instead).
            if (operation.ClosesFd)
            {
                ForgetFd(operation.Fd);
            }

            operation.Complete(operation.ExecuteSyscall());
            return;
        }

        FdState state = GetState(operation.Fd);
        bool isRead = operation.EpollWait == EpollWait.Readable;
        // Sends and writable waits share the write side: one pending write per fd, as the contract says.
        if (isRead ? state.Reader is not null : state.Writer is not null)
        {
            throw new InvalidOperationException($"fd {operation.Fd} already has a pending {(isRead ? "read" : "write")} operation.");
        }

        if (isRead ? state.ReadReady : state.WriteReady)
        {
            IoResult result = operation.ExecuteWhenReady(state.PeerClosed);
            if (!result.WouldBlock)
            {
                operation.Complete(result);
                return;
            }
        }

        if (isRead)
        {
            state.ReadReady = false;
            state.Reader = operation;
        }
        else
        {
            state.WriteReady = false;
            state.Writer = operation;
        }

        operation.InFlight = true;
    }

    public override void Cancel(IoOperation operation)
    {
        operation.CancelRequested = true;
        if (!operation.InFlight || (uint)operation.Fd >= (uint)_fds.Length || _fds[operation.Fd] is not FdState state)
        {
            return;
        }

        if (state.Reader == operation)
        {
            state.Reader = null;
        }
        else if (state.Writer == operation)
        {
            state.Writer = null;
        }
        else
        {
            return;
        }

        operation.InFlight = false;
        operation.Complete(IoResult.Canceled);
    }

    public override void MarkNotReadable(int fd)
    {
        // Once the peer has shut down or reset, reads never block again (they return the rest, then 0 or the error) and
        // no new edge will come: a short read then is not "drained", and clearing the flag would wait forever.
        if ((uint)fd < (uint)_fds.Length && _fds[fd] is FdState { PeerClosed: false } state)
        {
            state.ReadReady = false;
        }
    }

    public override void MarkNotWritable(int fd) => GetState(fd).WriteReady = false;

    public override void ForgetFd(int fd)
    {
        if ((uint)fd < (uint)_fds.Length && _fds[fd] is not null)
        {
            _fds[fd] = null;
            Interop.Sys.EpollCtl(_epoll.Fd, Interop.Sys.EPOLL_CTL_DEL, fd, null);
        }
    }

    public override int Poll(bool block, long timeoutNanoseconds)
    {
        int timeoutMs = !block ? 0 : timeoutNanoseconds < 0 ? -1 : (int)Math.Min(int.MaxValue, (timeoutNanoseconds + 999_999) / 1_000_000);
        _enters++;
        int count = Interop.Sys.EpollWait(_epoll.Fd, _events, MaxEvents, timeoutMs);
        if (count < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Interop.Errno.EINTR)
            {
                return 0;
            }

            throw new InvalidOperationException($"epoll_wait failed with errno {errno}.");
        }

        for (int i = 0; i < count; i++)
        {
            Interop.EpollEvents.Read(_events, i, out uint events, out ulong data);
            if (data == WakeToken)
            {
                ulong value;
                Interop.Sys.Read(_wakeFd.Fd, &value, sizeof(ulong));
                continue;
            }

            int fd = (int)data;
            if ((uint)fd >= (uint)_fds.Length || _fds[fd] is not FdState state)
            {
                continue;
            }

            const uint Failure = Interop.Sys.EPOLLERR | Interop.Sys.EPOLLHUP;
            if ((events & (Interop.Sys.EPOLLIN | Interop.Sys.EPOLLRDHUP | Failure)) != 0)
            {
                state.ReadReady = true;
                state.PeerClosed |= (events & (Interop.Sys.EPOLLRDHUP | Failure)) != 0;
                Retry(state, isRead: true);
            }

            if ((events & (Interop.Sys.EPOLLOUT | Failure)) != 0 && _fds[fd] == state)
            {
                state.WriteReady = true;
                Retry(state, isRead: false);
            }
        }

        return count;
    }

    private void Retry(FdState state, bool isRead)
    {
        IoOperation? operation = isRead ? state.Reader : state.Writer;
        if (operation is null)
        {
            return;
        }

        IoResult result = operation.ExecuteWhenReady(state.PeerClosed);
        if (result.WouldBlock)
        {
            if (isRead)
            {
                state.ReadReady = false;
            }
            else
            {
                state.WriteReady = false;
            }

            return;
        }

        if (isRead)
        {
            state.Reader = null;
        }
        else
        {
            state.Writer = null;
        }

        operation.InFlight = false;
        operation.Complete(result);
    }

    private FdState GetState(int fd)
    {
        if ((uint)fd >= (uint)_fds.Length)
        {
            Array.Resize(ref _fds, Math.Max(fd + 1, _fds.Length * 2));
        }

        FdState? state = _fds[fd];
        if (state is null)
        {
            byte* ev = stackalloc byte[Interop.EpollEvents.Size];
            Interop.EpollEvents.Write(ev, 0, Interop.Sys.EPOLLIN | Interop.Sys.EPOLLOUT | Interop.Sys.EPOLLRDHUP | Interop.Sys.EPOLLET, (ulong)fd);
            if (Interop.Sys.EpollCtl(_epoll.Fd, Interop.Sys.EPOLL_CTL_ADD, fd, ev) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.Errno.EEXIST)
                {
                    throw new InvalidOperationException($"epoll_ctl(ADD, fd {fd}) failed with errno {errno}.");
                }
            }

            _fds[fd] = state = new FdState();
        }

        return state;
    }

    public override void Wake()
    {
        ulong one = 1;
        Interop.Sys.Write(_wakeFd.Fd, &one, sizeof(ulong));
    }

    public override void Dispose()
    {
        _epoll.Dispose();
        _wakeFd.Dispose();
        NativeMemory.Free(_events);
    }

    /// <summary>What the backend knows of one registered fd: its pending operations and last known readiness.</summary>
    private sealed class FdState
    {
        public IoOperation? Reader;
        public IoOperation? Writer;
        // Not readable until epoll says so: EPOLL_CTL_ADD reports an fd that is readable already at once (ep_insert
        // polls it), so the first wait is accurate and its mask carries EPOLLRDHUP if the peer has shut down.
        public bool ReadReady;

        // The peer shut down its side (EPOLLRDHUP/EPOLLHUP seen): what is left to read ends with end of stream.
        public bool PeerClosed;
        public bool WriteReady = true;
    }
}
