using System.Numerics;

namespace Perms.LoadTest.Running;

/// <summary>
/// A log-linear latency histogram in the manner of HdrHistogram: each power of two from 2^b ns up is split into 2^b
/// equal buckets, so a bucket is at most 1/2^b of its lower bound wide. Recording is lock-free (one
/// <see cref="Interlocked"/> increment on a <c>long[]</c>, plus the sum and the maximum) and allocates nothing;
/// readers may run while writers record and see a slightly torn but never corrupt picture.
/// </summary>
/// <remarks>
/// With the default 7 bits (128 buckets per octave) a percentile is within 0.4% of the exact one (the bucket's
/// midpoint is reported) over 1 ns … 137 s, in 3,968 buckets (31 KiB). Values above the highest are clamped into
/// the last bucket; the maximum is kept exactly.
/// </remarks>
internal sealed class LatencyHistogram
{
    /// <summary>The highest value with its own bucket: 2^37 ns ≈ 137 s.</summary>
    public const long HighestNanos = (1L << 37) - 1;

    private readonly int _subBucketBits;
    private readonly long[] _counts;
    private long _sumNanos;
    private long _maxNanos;

    /// <summary>Creates an empty histogram with 2^<paramref name="subBucketBits"/> buckets per power of two.</summary>
    public LatencyHistogram(int subBucketBits = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subBucketBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(subBucketBits, 20);
        _subBucketBits = subBucketBits;
        _counts = new long[IndexOf(HighestNanos) + 1];
    }

    /// <summary>
    /// The largest relative error of a reported percentile (half a bucket's width over its lower bound): 1/2^(b+1).
    /// </summary>
    public double RelativeError => 1.0 / (1L << (_subBucketBits + 1));

    /// <summary>The number of buckets.</summary>
    public int BucketCount => _counts.Length;

    /// <summary>Records one latency, in nanoseconds (negative values count as 0).</summary>
    public void Record(long nanos)
    {
        nanos = Math.Max(nanos, 0);
        Interlocked.Increment(ref _counts[IndexOf(Math.Min(nanos, HighestNanos))]);
        Interlocked.Add(ref _sumNanos, nanos);
        var max = Volatile.Read(ref _maxNanos);
        while (nanos > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxNanos, nanos, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>Copies the bucket counts into <paramref name="counts"/> (at least <see cref="BucketCount"/> long) and returns their total.</summary>
    public long CopyCounts(long[] counts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(counts.Length, _counts.Length);
        long total = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        return total;
    }

    /// <summary>The number of recorded values.</summary>
    public long Count
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>The largest recorded value, µs (exact).</summary>
    public double MaxMicros => Volatile.Read(ref _maxNanos) / 1000.0;

    /// <summary>The mean of the recorded values, µs (exact up to clamping; 0 when empty).</summary>
    public double MeanMicros
    {
        get
        {
            var count = Count;
            return count == 0 ? 0 : Volatile.Read(ref _sumNanos) / 1000.0 / count;
        }
    }

    /// <summary>
    /// The <paramref name="percentile"/>th percentile (0–100), µs, by nearest rank: the midpoint of the bucket holding
    /// the ⌈p/100·n⌉th smallest value, never above the exact maximum; 0 when empty.
    /// </summary>
    public double PercentileMicros(double percentile) => PercentileMicros(percentile, _counts, Count);

    /// <summary>
    /// <see cref="PercentileMicros(double)"/> over counts copied with <see cref="CopyCounts"/> (so several percentiles
    /// read one consistent picture).
    /// </summary>
    public double PercentileMicros(double percentile, long[] counts, long total)
    {
        if (total <= 0)
        {
            return 0;
        }

        var rank = Math.Clamp((long)Math.Ceiling(percentile / 100.0 * total), 1, total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                var (low, width) = Bounds(i);
                return Math.Min(low + ((width - 1) / 2.0), Volatile.Read(ref _maxNanos)) / 1000.0;
            }
        }

        return MaxMicros;
    }

    /// <summary>The non-empty buckets, ascending: (upper bound µs, count).</summary>
    public List<(double UpperMicros, long Count)> Buckets()
    {
        var buckets = new List<(double UpperMicros, long Count)>();
        for (var i = 0; i < _counts.Length; i++)
        {
            var count = Volatile.Read(ref _counts[i]);
            if (count > 0)
            {
                var (low, width) = Bounds(i);
                buckets.Add(((low + width - 1) / 1000.0, count));
            }
        }

        return buckets;
    }

    /// <summary>Bucket index of <paramref name="nanos"/> (0 ≤ nanos ≤ <see cref="HighestNanos"/>).</summary>
    private int IndexOf(long nanos)
    {
        // Below 2^b every value has its own bucket (shift 0); above, the top b+1 bits select the bucket.
        var shift = Math.Max(0, 63 - BitOperations.LeadingZeroCount((ulong)nanos | 1UL) - _subBucketBits);
        return (int)((shift << _subBucketBits) + (nanos >> shift));
    }

    /// <summary>The lowest value and the width of bucket <paramref name="index"/>, ns.</summary>
    private (long Low, long Width) Bounds(int index)
    {
        var subBuckets = 1 << _subBucketBits;
        if (index < 2 * subBuckets)
        {
            return (index, 1);
        }

        var shift = (index >> _subBucketBits) - 1;
        var mantissa = index - (shift << _subBucketBits);
        return ((long)mantissa << shift, 1L << shift);
    }
}
