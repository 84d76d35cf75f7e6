using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

namespace Zokio.Transport;

/// <summary>Settings of Zokio's Kestrel transport: the event loops plus the options Kestrel's Sockets transport has.</summary>
public class ZokioTransportOptions : EventLoopGroupOptions
{
    /// <summary>The maximum length of the pending connection queue of each listening socket; 1 to 65535.</summary>
    /// <remarks>Defaults to 512, as Kestrel's Sockets transport.</remarks>
    public int Backlog { get; set; } = 512;

    /// <summary>Sets TCP_NODELAY on accepted and outbound connections.</summary>
    /// <remarks>Defaults to true: Kestrel writes whole responses, so Nagle's algorithm only adds latency.</remarks>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// Bytes received but not yet read by the application, after which the connection stops reading from the socket
    /// (backpressure). 0 means no limit, which lets a fast client fill the server's memory; so does a very large value
    /// such as <see cref="long.MaxValue"/>, which is accepted as Kestrel's Sockets transport accepts it.
    /// </summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public long MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bytes written by the application but not yet sent, after which the application's writes wait. 0 means no limit,
    /// which lets a slow client fill the server's memory (as does any very large value, up to <see cref="long.MaxValue"/>).
    /// </summary>
    /// <remarks>Defaults to 64 KiB.</remarks>
    public long MaxWriteBufferSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Waits until a connection is readable before taking a buffer for it, so idle connections hold no memory.
    /// </summary>
    /// <remarks>
    /// Defaults to true. On io_uring a connection that went idle waits with a readiness poll, then reads with a direct
    /// recv; false keeps a receive with a 4 KiB buffer pending on every connection, idle or not.
    /// </remarks>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;

    /// <summary>
    /// Gives each loop its own listening socket on the same address (<c>SO_REUSEPORT</c>) so the kernel spreads new
    /// connections; when false, loop 0 accepts and deals connections round-robin over the loops.
    /// </summary>
    /// <remarks>
    /// Defaults to false: measured side by side (bench/results/accept-strategy.md) round-robin was as fast on keep-alive
    /// traffic and faster on new connections. Risk of true: another process of the same user can bind the same port
    /// with SO_REUSEPORT and take a share of the connections instead of failing with "address in use". Unix sockets and
    /// inherited handles always use one listener.
    /// </remarks>
    public bool ReusePort { get; set; }

    /// <summary>
    /// Ends a connection the application aborted (or whose send failed) with a FIN after a graceful shutdown, instead
    /// of an RST.
    /// </summary>
    /// <remarks>
    /// Defaults to false, as Kestrel's Sockets transport: an aborted connection is closed with SO_LINGER 0, so the peer
    /// sees a reset and unsent data is dropped. A peer that is not reading would never see a FIN; it always sees an RST.
    /// Set it to true only for clients that treat a reset as an error where a FIN would be accepted.
    /// </remarks>
    public bool FinOnError { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting, its value and the valid range.</summary>
    /// <param name="prefix">Prefix for option names in messages, such as "Zokio:".</param>
    public override void Validate(string prefix = "")
    {
        base.Validate(prefix);
        // The listener's own rule, named with this prefix.
        new LoopListenerOptions { Backlog = Backlog }.Validate(prefix);

        if (MaxReadBufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReadBufferSize), MaxReadBufferSize, $"{prefix}{nameof(MaxReadBufferSize)} must be between 0 (no limit) and {long.MaxValue}; got {MaxReadBufferSize}.");
        }

        if (MaxWriteBufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWriteBufferSize), MaxWriteBufferSize, $"{prefix}{nameof(MaxWriteBufferSize)} must be between 0 (no limit) and {long.MaxValue}; got {MaxWriteBufferSize}.");
        }
    }
}
