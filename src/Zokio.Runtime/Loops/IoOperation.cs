namespace Zokio.Runtime.Loops;

/// <summary>
/// One kernel operation a loop can have in flight: its arguments, and the callback its completion runs.
/// An operation object is reused for many submissions but is in flight at most once at a time.
/// </summary>
/// <remarks>
/// The kernel sees an operation as a <see cref="OperationToken"/>: its slot in the loop's <see cref="OperationRegistry"/>
/// plus a generation that changes with every submission. A completion whose token is not the operation's current one
/// (a copy left on a blocked ring after a hand-off, or one that arrives after the operation was disposed and its slot
/// reused) is recognised as stale and can never complete another submission, or another operation.
/// Call <see cref="Dispose"/> only when the operation is not in flight.
/// </remarks>
internal abstract class IoOperation : IDisposable
{
    /// <summary>What the kernel is asked to do.</summary>
    public IoOperationKind Kind { get; set; }

    /// <summary>The fd operated on (socket, listening socket, file, eventfd).</summary>
    public int Fd { get; set; } = -1;

    /// <summary>Buffer or msghdr address, depending on <see cref="Kind"/> (pinned by the caller).</summary>
    public nint Address { get; set; }

    /// <summary>Buffer length.</summary>
    public nint Length { get; set; }

    /// <summary>File offset for reads and writes.</summary>
    public long Offset { get; set; }

    /// <summary>Operation flags (msg_flags).</summary>
    public int Flags { get; set; }

    /// <summary>True from submission until the completion callback runs.</summary>
    public bool InFlight { get; internal set; }

    /// <summary>
    /// Set when the owner asked the kernel to cancel this submission, so an -ECANCELED result is reported to it rather
    /// than treated as the loop's own cancellation during a hand-off (which re-submits the operation).
    /// </summary>
    internal bool CancelRequested { get; set; }

    /// <summary>The registry that gave this operation its slot (null until first submitted).</summary>
    internal OperationRegistry? Registry { get; set; }

    /// <summary>The slot in <see cref="Registry"/>, from 1; 0 until first submitted.</summary>
    internal uint Slot { get; set; }

    /// <summary>The generation of the current (or last) submission.</summary>
    internal uint Generation { get; set; }

    /// <summary>Identifies the current submission in SQEs and CQEs.</summary>
    internal OperationToken Token => new(Slot, Generation);

    /// <summary>Runs on the loop thread when the kernel completes the operation: a result ≥ 0, or -errno.</summary>
    public abstract void OnCompleted(int result);

    /// <summary>Frees the registry slot; the operation must not be in flight.</summary>
    public void Dispose()
    {
        Registry?.Release(this);
        Registry = null;
        GC.SuppressFinalize(this);
    }
}
