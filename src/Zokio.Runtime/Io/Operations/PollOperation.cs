using Zokio.Runtime.HandOff;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>
/// Waits until a socket is readable or writable (POLL_ADD; epoll's own readiness). It completes with the poll(2) mask
/// and consumes nothing, so after a hand-off it may be pending on a blocked ring and a successor's at once.
/// </summary>
/// <remarks>
/// Accepting and connecting are such a wait plus a direct syscall on the loop thread: a pending ACCEPT on a blocked
/// ring would take (and hold) a connection nobody can serve.
/// </remarks>
internal sealed unsafe class PollOperation(bool writable) : IoOperation
{
    /// <summary>POLLIN.</summary>
    public const int Readable = 0x001;

    /// <summary>POLLOUT.</summary>
    public const int Writable = 0x004;

    /// <summary>POLLRDHUP | POLLHUP in a readable wait's mask: the peer has shut down its sending side (or is gone).</summary>
    public const int PeerClosed = 0x2000 | 0x010;

    // POLLIN | POLLERR | POLLHUP | POLLRDHUP: readable, or the peer is gone (poll(2)).
    private const uint ReadableEvents = 0x001 | 0x008 | 0x010 | 0x2000;

    // POLLOUT | POLLERR | POLLHUP: writable (a non-blocking connect has finished), or failed.
    private const uint WritableEvents = 0x004 | 0x008 | 0x010;

    public override byte Opcode => OpPollAdd;

    public override EpollWait EpollWait => writable ? EpollWait.Writable : EpollWait.Readable;

    public override HandOffRule HandOffRule => HandOffRule.Reissue;

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        sqe->Opcode = OpPollAdd;
        sqe->OpFlags = writable ? WritableEvents : ReadableEvents;
    }

    /// <summary>Not a syscall: a wait only has a result once readiness was reported.</summary>
    public override IoResult ExecuteSyscall() => ExecuteWhenReady(peerClosed: false);

    // The mask io_uring's POLL_ADD would report: POLLIN, plus POLLRDHUP once the peer has shut down its side, so a
    // receive loop knows end of stream follows the data.
    public override IoResult ExecuteWhenReady(bool peerClosed) =>
        IoResult.Success(writable ? Writable : Readable | (peerClosed ? 0x2000 : 0));
}
