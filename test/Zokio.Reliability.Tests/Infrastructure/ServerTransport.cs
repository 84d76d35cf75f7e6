namespace Zokio.Reliability.Tests;

/// <summary>
/// What serves a test: Kestrel on Zokio's transport on one of its backends, Zokio's own server (<c>Zokio:Server=Zokio</c>)
/// on one of them, or Kestrel's own Sockets transport as the reference.
/// </summary>
public enum ServerTransport
{
    IoUring,
    Epoll,
    Sockets,
    ZokioServerIoUring,
    ZokioServerEpoll,
}

/// <summary>Theory data over the transports.</summary>
public static class Transports
{
    /// <summary>
    /// For behaviour Kestrel's clients see: both Zokio backends, and Sockets. The expectation is whatever Sockets does,
    /// and the Sockets row proves the test expects the right thing.
    /// </summary>
    public static TheoryData<ServerTransport> WithSockets => new()
    {
        ServerTransport.IoUring, ServerTransport.Epoll, ServerTransport.Sockets, ServerTransport.ZokioServerIoUring, ServerTransport.ZokioServerEpoll,
    };

    /// <summary>For what only Zokio has (its loops, its counters): both backends, under Kestrel and under Zokio's server.</summary>
    public static TheoryData<ServerTransport> Zokio => new()
    {
        ServerTransport.IoUring, ServerTransport.Epoll, ServerTransport.ZokioServerIoUring, ServerTransport.ZokioServerEpoll,
    };
}
