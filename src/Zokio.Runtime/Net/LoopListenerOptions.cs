namespace Zokio.Runtime.Net;

/// <summary>How a <see cref="LoopListener"/> listens.</summary>
public sealed class LoopListenerOptions
{
    /// <summary>The largest backlog accepted.</summary>
    public const int MaxBacklog = 65535;

    /// <summary>
    /// The kernel's queue of connections not yet accepted (listen(2)'s backlog, capped by <c>net.core.somaxconn</c>);
    /// 1 to 65535.
    /// </summary>
    /// <remarks>Defaults to 512, as Kestrel's Sockets transport.</remarks>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// One listening socket per loop with SO_REUSEPORT, the kernel spreading connections over them, instead of one
    /// socket whose connections are dealt round-robin over the loops.
    /// </summary>
    /// <remarks>
    /// Defaults to false. The kernel's spread is by a hash of the connection's addresses, so a few connections can all
    /// land on one loop; dealing them is even.
    /// </remarks>
    public bool ReusePort { get; set; }

    /// <summary>Sets TCP_NODELAY on accepted TCP connections.</summary>
    /// <remarks>Defaults to true, as Kestrel.</remarks>
    public bool NoDelay { get; set; } = true;

    /// <summary>Throws if a value is out of range, naming it as <paramref name="prefix"/> plus its name.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate(string prefix = "")
    {
        if (Backlog is < 1 or > MaxBacklog)
        {
            throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, $"{prefix}{nameof(Backlog)} must be between 1 and {MaxBacklog}; got {Backlog}.");
        }
    }
}
