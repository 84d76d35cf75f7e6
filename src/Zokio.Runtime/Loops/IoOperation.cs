using System.Runtime.InteropServices;

namespace Zokio.Runtime.Loops;

/// <summary>
/// One kernel operation a loop can have in flight: its arguments, and the callback its completion runs.
/// An operation object is reused for many submissions but is in flight at most once at a time.
/// </summary>
/// <remarks>
/// The backend identifies the operation to the kernel by <see cref="UserData"/>, a GC handle to this object, so a
/// completion finds its owner with no lookup table and no allocation. Call <see cref="Dispose"/> only when the
/// operation is not in flight: the kernel may still hold the handle otherwise.
/// </remarks>
internal abstract class IoOperation : IDisposable
{
    private GCHandle _handle;

    protected IoOperation()
    {
        _handle = GCHandle.Alloc(this, GCHandleType.Normal);
    }

    /// <summary>What the kernel is asked to do.</summary>
    public IoOperationKind Kind { get; set; }

    /// <summary>The fd operated on (socket, listening socket, file, eventfd).</summary>
    public int Fd { get; set; } = -1;

    /// <summary>Buffer, msghdr or sockaddr address, depending on <see cref="Kind"/> (pinned by the caller).</summary>
    public nint Address { get; set; }

    /// <summary>Buffer or sockaddr length; for accept, the address of the in/out addrlen.</summary>
    public nint Length { get; set; }

    /// <summary>File offset for reads and writes.</summary>
    public long Offset { get; set; }

    /// <summary>Operation flags (msg_flags, accept flags).</summary>
    public int Flags { get; set; }

    /// <summary>True from submission until the completion callback runs.</summary>
    public bool InFlight { get; internal set; }

    // Links in the submitting backend's list of operations the kernel holds; see IoUringBackend.
    internal IoOperation? NextInKernel;
    internal IoOperation? PreviousInKernel;

    /// <summary>Identifies this operation in SQEs and CQEs.</summary>
    public ulong UserData => (ulong)GCHandle.ToIntPtr(_handle);

    /// <summary>Finds the operation a completion belongs to.</summary>
    public static IoOperation FromUserData(ulong userData) => (IoOperation)GCHandle.FromIntPtr((nint)userData).Target!;

    /// <summary>Runs on the loop thread when the kernel completes the operation: a result ≥ 0, or -errno.</summary>
    public abstract void OnCompleted(int result);

    public void Dispose()
    {
        if (_handle.IsAllocated)
        {
            _handle.Free();
        }

        GC.SuppressFinalize(this);
    }
}
