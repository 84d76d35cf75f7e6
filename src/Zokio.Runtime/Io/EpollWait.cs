namespace Zokio.Runtime.Io;

/// <summary>What an operation waits for on the epoll backend before it makes its syscall.</summary>
internal enum EpollWait : byte
{
    /// <summary>Nothing: the syscall runs at once (nop, close, file calls: regular files are always "ready" to epoll).</summary>
    None,

    /// <summary>The fd's read side (receives, readable waits): one pending per fd.</summary>
    Readable,

    /// <summary>The fd's write side (sends, writable waits): one pending per fd.</summary>
    Writable,
}
