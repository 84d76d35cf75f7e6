namespace Zokio.Runtime.Io;

/// <summary>
/// What the kernel carries in <c>user_data</c> for one submission: a registry slot in the high 32 bits and the
/// submission's generation in the low 32 bits. Slot 0 is reserved for the backends' own requests.
/// </summary>
internal readonly record struct OperationToken(uint Slot, uint Generation)
{
    /// <summary>The user_data of requests whose completion carries nothing (cancellations).</summary>
    public static readonly OperationToken None = default;

    /// <summary>The user_data of a backend's wake-up read.</summary>
    public static readonly OperationToken Wake = new(0, 1);

    public ulong Value => ((ulong)Slot << 32) | Generation;

    public static OperationToken FromValue(ulong value) => new((uint)(value >> 32), (uint)value);
}
