using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.IoUring;

/// <summary>
/// Every io_uring opcode Zokio submits, in one table, and which of them this kernel supports, probed once per process
/// (<c>IORING_REGISTER_PROBE</c>, 5.6). A ring is refused when a required opcode is missing; a missing optional one
/// (a file operation) makes that operation run on the thread pool instead.
/// </summary>
internal static class IoUringOpcodes
{
    private static bool[]? s_supported;

    private static readonly Entry[] s_all =
    [
        new(OpNop, "NOP", Required: true),
        new(OpPollAdd, "POLL_ADD", Required: true),
        new(OpSendMsg, "SENDMSG", Required: true),
        new(OpAsyncCancel, "ASYNC_CANCEL", Required: true),
        new(OpClose, "CLOSE", Required: true),
        new(OpRead, "READ", Required: true),
        new(OpWrite, "WRITE", Required: true),
        // RECV/SEND arrived in 5.6, with the probe itself.
        new(OpSend, "SEND", Required: true),
        new(OpRecv, "RECV", Required: true),
        new(OpOpenAt, "OPENAT", Required: false),
        new(OpFsync, "FSYNC", Required: false),
        new(OpStatx, "STATX", Required: false),
    ];

    /// <summary>The opcodes, with their names for messages; each operation type's <c>Opcode</c> is one of them.</summary>
    public static ReadOnlySpan<Entry> All => s_all;

    /// <summary>True when <paramref name="opcode"/> is in <see cref="All"/>.</summary>
    public static bool IsKnown(byte opcode)
    {
        foreach (Entry entry in All)
        {
            if (entry.Opcode == opcode)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The names of the required opcodes that <paramref name="supported"/> (a probe's answer) lacks.</summary>
    public static string[] MissingRequired(bool[] supported)
    {
        List<string> missing = [];
        foreach (Entry entry in All)
        {
            if (entry.Required && !supported[entry.Opcode])
            {
                missing.Add(entry.Name);
            }
        }

        return [.. missing];
    }

    /// <summary>True when this kernel supports <paramref name="opcode"/>.</summary>
    public static bool IsSupported(byte opcode) => (s_supported ?? Probe())[opcode];

    /// <summary>Keeps the answer of a probe made on a loop's ring, so the process probes once.</summary>
    public static void Remember(bool[] supported) => s_supported ??= supported;

    /// <summary>The answer of an earlier probe, or null before the first ring was made.</summary>
    public static bool[]? Known => s_supported;

    private static bool[] Probe()
    {
        // Only when no loop's ring has probed yet. No SINGLE_ISSUER: the ring must not bind to whichever thread asks first.
        // A refused probe is not remembered: it says nothing about the opcodes.
        using Ring? ring = Ring.TryCreate(entries: 2, cqEntries: 4, wantedFlags: 0, out _);
        bool[]? supported = ring?.ProbeOpcodes(out _);
        return supported is null ? new bool[256] : s_supported ??= supported;
    }

    /// <summary>One opcode: its number, its name in io_uring.h, and whether a ring is refused without it.</summary>
    public readonly record struct Entry(byte Opcode, string Name, bool Required);
}
