using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// Theory data: every receive path with its backend and <see cref="EventLoopGroupOptions.ReceiveBuffers"/>: multishot
/// with enough buffers, multishot with one (it runs out: ENOBUFS), poll + recv on io_uring (none), and epoll.
/// </summary>
public static class ReceiveModes
{
    public static TheoryData<LoopBackendKind, int> All => new()
    {
        { LoopBackendKind.IoUring, 128 },
        { LoopBackendKind.IoUring, 1 },
        { LoopBackendKind.IoUring, 0 },
        { LoopBackendKind.Epoll, 128 },
    };
}
