using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Io;

/// <summary>
/// How one kernel operation ended: a value (bytes transferred, a new fd, a poll mask, or 0), or an error with its
/// errno. What the value means is the operation's to say; this type only keeps success and failure apart.
/// </summary>
/// <remarks>
/// Stored as the kernel reports it (a CQE's <c>res</c>: the value, or -errno), so wrapping a completion costs
/// nothing; callers read it through the members, never as a signed int.
/// </remarks>
internal readonly struct IoResult : IEquatable<IoResult>
{
    private readonly int _raw;

    private IoResult(int raw) => _raw = raw;

    /// <summary>A result as io_uring reports it in a CQE (<c>res</c>): a value ≥ 0, or -errno.</summary>
    public static IoResult FromKernel(int res) => new(res);

    /// <summary>What a libc call returned: its value, or (when negative) the failure with the thread's errno.</summary>
    public static IoResult FromSyscall(nint returned) =>
        returned >= 0 ? new((int)Math.Min(returned, int.MaxValue)) : Failure(Marshal.GetLastPInvokeError());

    /// <summary>A success with <paramref name="value"/> (≥ 0).</summary>
    public static IoResult Success(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(value);
    }

    /// <summary>A failure with <paramref name="errno"/> (&gt; 0).</summary>
    public static IoResult Failure(int errno)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(errno);
        return new(-errno);
    }

    /// <summary>ECANCELED: the operation was stopped before it did anything.</summary>
    public static IoResult Canceled => new(-Interop.Errno.ECANCELED);

    /// <summary>True when the operation succeeded; <see cref="Value"/> then holds its result.</summary>
    public bool Succeeded => _raw >= 0;

    /// <summary>The result of a successful operation: bytes transferred, an fd, a poll mask, or 0.</summary>
    /// <exception cref="InvalidOperationException">The operation failed.</exception>
    public int Value => _raw >= 0 ? _raw : ThrowNoValue(_raw);

    /// <summary>The errno of a failed operation; 0 when it succeeded.</summary>
    public int Errno => _raw < 0 ? -_raw : 0;

    /// <summary>EAGAIN: a non-blocking call found nothing to do (no bytes, no room, no connection).</summary>
    public bool WouldBlock => _raw == -Interop.Errno.EAGAIN;

    /// <summary>ECANCELED: the operation was canceled (by its owner, a hand-off's drain, or a stopped loop).</summary>
    public bool IsCanceled => _raw == -Interop.Errno.ECANCELED;

    /// <summary>A receive or read that succeeded with no bytes: the peer's FIN, or the end of the file.</summary>
    public bool IsEndOfStream => _raw == 0;

    /// <summary>The <see cref="System.Net.Sockets.SocketError"/> .NET sockets report for the errno (<see cref="SocketError.Success"/> on success).</summary>
    public SocketError SocketError => Interop.Errno.ToSocketError(Errno);

    /// <summary>The exception .NET sockets throw for the error; call only when the operation failed.</summary>
    public SocketException ToSocketException()
    {
        if (Succeeded)
        {
            throw new InvalidOperationException("The operation succeeded; there is no error to throw.");
        }

        return Interop.Errno.ToSocketException(_raw);
    }

    public bool Equals(IoResult other) => _raw == other._raw;

    public override bool Equals(object? obj) => obj is IoResult other && Equals(other);

    public override int GetHashCode() => _raw;

    public static bool operator ==(IoResult left, IoResult right) => left.Equals(right);

    public static bool operator !=(IoResult left, IoResult right) => !left.Equals(right);

    // Out of line, so Value stays small enough to inline on the receive path.
    [DoesNotReturn]
    private static int ThrowNoValue(int raw) => throw new InvalidOperationException($"The operation failed with errno {-raw}; it has no value.");

    public override string ToString() => Succeeded ? $"Success({_raw})" : $"Failure(errno {-_raw}, {SocketError})";
}
