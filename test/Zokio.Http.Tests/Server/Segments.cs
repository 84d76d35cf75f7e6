using System.Buffers;

namespace Zokio.Http.Tests.Server;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> over one buffer, cut at the given offsets.</summary>
internal static class Segments
{
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
