namespace Zokio.Reliability.TestServer;

/// <summary>
/// The bytes of the large test responses: every offset has its own value, so a reordered, repeated or lost chunk shows
/// up as a mismatch at a known offset, not only as a wrong length.
/// </summary>
public static class BodyPattern
{
    public const int MiB = 1024 * 1024;

    public const int ChunkSize = 64 * 1024;

    public static byte ByteAt(long offset) => unchecked((byte)((offset * 7) + (offset >> 16)));

    public static void Fill(Span<byte> destination, long offset)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = ByteAt(offset + i);
        }
    }

    /// <summary>The index of the first byte of <paramref name="received"/> (which starts at <paramref name="offset"/>) that differs, or -1.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> received, long offset)
    {
        for (int i = 0; i < received.Length; i++)
        {
            if (received[i] != ByteAt(offset + i))
            {
                return i;
            }
        }

        return -1;
    }
}
