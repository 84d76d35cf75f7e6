namespace Zokio.Runtime.Loops;

/// <summary>The operations a loop backend performs.</summary>
/// <remarks>
/// Accepting and connecting are readiness waits plus a direct syscall on the loop thread (as with epoll): a wait
/// consumes nothing, so after a hand-off it can be pending on a blocked ring and a successor's ring at once, where a
/// pending ACCEPT on a blocked ring would take (and hold) a connection nobody can serve.
/// </remarks>
internal enum IoOperationKind : byte
{
    Nop,
    Receive,
    SendMessage,
    PollReadable,
    PollWritable,
    Read,
    Write,
    Send,
    Close,
    OpenAt,
    Fsync,
    Statx,

    /// <summary>A receive that completes once per arrival into provided buffers (io_uring only); see <see cref="MultishotReceive"/>.</summary>
    ReceiveMultishot,
}
