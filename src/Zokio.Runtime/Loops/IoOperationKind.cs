namespace Zokio.Runtime.Loops;

/// <summary>The operations a loop backend performs.</summary>
internal enum IoOperationKind : byte
{
    Nop,
    Accept,
    Connect,
    Receive,
    SendMessage,
    PollReadable,
    Read,
    Write,
    Send,
    Close,
    OpenAt,
    Fsync,
    Statx,
}
