using System.Buffers;

namespace Zokio.Testing;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> over one buffer, cut at the given offsets.</summary>
public static class Segments
{
    /// <summary>The bytes cut at every offset in <paramref name="cuts"/> (offsets outside the buffer are ignored).</summary>
    public static ReadOnlySequence<byte> Create(ReadOnlyMemory<byte> bytes, IReadOnlyList<int> cuts)
    {
        if (cuts.Count == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        int start = 0;
        foreach (int cut in cuts.Where(c => c > 0 && c < bytes.Length).Append(bytes.Length))
        {
            var segment = new Segment(bytes[start..cut]);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Append(segment);
            }

            last = segment;
            start = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>The bytes cut at every offset in <paramref name="cuts"/>.</summary>
    public static ReadOnlySequence<byte> Create(byte[] bytes, params int[] cuts) => Create(bytes.AsMemory(), cuts);

    /// <summary>The bytes in segments of <paramref name="size"/> bytes each.</summary>
    public static ReadOnlySequence<byte> Every(byte[] bytes, int size) =>
        Create(bytes, Enumerable.Range(1, (bytes.Length - 1) / size).Select(i => i * size).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
