using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>
/// Which io_uring opcodes this kernel supports, probed once per process on a throwaway ring
/// (<c>IORING_REGISTER_PROBE</c>, 5.6), for operations that have a fallback and so are not among the opcodes a ring
/// requires: a missing one runs elsewhere (the thread pool) instead of refusing io_uring altogether.
/// </summary>
internal static class OpcodeProbe
{
    private static bool[]? s_supported;

    public static bool IsSupported(byte opcode) => (s_supported ??= Probe())[opcode];

    private static bool[] Probe()
    {
        // No SINGLE_ISSUER: the ring must not bind to whichever thread asks first.
        using Ring? ring = Ring.TryCreate(entries: 2, cqEntries: 4, wantedFlags: 0, out _);
        return ring?.ProbeOpcodes(out _) ?? new bool[256];
    }

    /// <summary>The opcode that carries <paramref name="kind"/>, for the kinds that have a fallback.</summary>
    public static byte OpcodeOf(Loops.IoOperationKind kind) => kind switch
    {
        Loops.IoOperationKind.OpenAt => OpOpenAt,
        Loops.IoOperationKind.Read => OpRead,
        Loops.IoOperationKind.Write => OpWrite,
        Loops.IoOperationKind.Fsync => OpFsync,
        Loops.IoOperationKind.Statx => OpStatx,
        Loops.IoOperationKind.Close => OpClose,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a file operation."),
    };
}
