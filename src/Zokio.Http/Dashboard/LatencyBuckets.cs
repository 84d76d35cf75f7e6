using System.Numerics;

namespace Zokio.Http.Dashboard;

/// <summary>
/// Log-linear latency buckets in microseconds, as HdrHistogram lays them out: one bucket per microsecond below
/// <see cref="SubBuckets"/> µs, then <see cref="SubBuckets"/> buckets per power of two, so a percentile read from the
/// buckets is within 1/32 (about 3 %) of the true value from 1 µs to minutes, in a fixed <see cref="Count"/> counters.
/// </summary>
internal static class LatencyBuckets
{
    /// <summary>Buckets per power of two.</summary>
    public const int SubBuckets = 16;

    private const int SubBucketBits = 4;

    // 2^30 µs is about 18 minutes; anything longer lands in the last bucket.
    private const int MaxExponent = 30;

    /// <summary>The number of buckets.</summary>
    public const int Count = SubBuckets + (MaxExponent - SubBucketBits + 1) * SubBuckets;

    /// <summary>The bucket of a duration of <paramref name="seconds"/>.</summary>
    public static int IndexOf(double seconds)
    {
        double micros = seconds * 1e6;
        if (!(micros >= 0))
        {
            return 0; // negative or NaN: not a duration the server can measure; counted as the shortest
        }

        ulong value = micros >= (double)(1UL << (MaxExponent + 1)) ? (1UL << (MaxExponent + 1)) - 1 : (ulong)micros;
        if (value < SubBuckets)
        {
            return (int)value;
        }

        int exponent = BitOperations.Log2(value);
        int sub = (int)(value >> (exponent - SubBucketBits)) - SubBuckets;
        return SubBuckets + (exponent - SubBucketBits) * SubBuckets + sub;
    }

    /// <summary>The middle of bucket <paramref name="index"/>, in milliseconds: what a percentile falling in it reports.</summary>
    public static double MiddleMilliseconds(int index)
    {
        if (index < SubBuckets)
        {
            return (index + 0.5) / 1000;
        }

        int exponent = (index - SubBuckets) / SubBuckets + SubBucketBits;
        int sub = (index - SubBuckets) % SubBuckets;
        double lower = (double)(SubBuckets + sub) * (1UL << (exponent - SubBucketBits));
        double width = 1UL << (exponent - SubBucketBits);
        return (lower + width / 2) / 1000;
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0.5 for the median) of the durations counted in <paramref name="counts"/>, in
    /// milliseconds; null when nothing was counted.
    /// </summary>
    public static double? Percentile(ReadOnlySpan<long> counts, long total, double quantile)
    {
        if (total <= 0)
        {
            return null;
        }

        // The smallest duration at or below which at least that share of the requests finished (nearest rank).
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return MiddleMilliseconds(i);
            }
        }

        return MiddleMilliseconds(counts.Length - 1);
    }
}
