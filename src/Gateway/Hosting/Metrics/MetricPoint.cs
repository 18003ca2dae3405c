namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// One series (an instrument and a tag set): a sum, a last value, or histogram buckets. Updated with interlocked
/// operations only: many threads record into the same point without a lock.
/// </summary>
internal sealed class MetricPoint
{
    // Integral measurements go to _longValue (one interlocked add), floating ones to _doubleValue (a CAS loop).
    private readonly long[]? _bucketCounts;
    private long _longValue;
    private double _doubleValue;
    private double _sum;

    public MetricPoint(TagSet tags, int bucketCount)
    {
        Tags = tags;
        if (bucketCount > 0)
        {
            _bucketCounts = new long[bucketCount + 1];
        }
    }

    public TagSet Tags { get; }

    /// <summary>The sum or the last value.</summary>
    public double Value => Volatile.Read(ref _longValue) + Volatile.Read(ref _doubleValue);

    /// <summary>The sum of the histogram's measurements.</summary>
    public double Sum => Volatile.Read(ref _sum);

    public void Add(long value) => Interlocked.Add(ref _longValue, value);

    public void Add(double value) => AddDouble(ref _doubleValue, value);

    public void Set(double value)
    {
        Volatile.Write(ref _longValue, 0);
        Interlocked.Exchange(ref _doubleValue, value);
    }

    /// <summary>Counts <paramref name="value"/> in the first bucket whose upper bound is ≥ it (or the +Inf bucket).</summary>
    public void Observe(double value, double[] bounds)
    {
        var index = 0;
        while (index < bounds.Length && !(value <= bounds[index]))
        {
            index++;
        }

        Interlocked.Increment(ref _bucketCounts![index]);
        AddDouble(ref _sum, value);
    }

    /// <summary>Cumulative counts per bound, the last one (+Inf) being the count: consistent within one snapshot.</summary>
    public long[] CumulativeBuckets()
    {
        var counts = new long[_bucketCounts!.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            total += Volatile.Read(ref _bucketCounts[i]);
            counts[i] = total;
        }

        return counts;
    }

    private static void AddDouble(ref double location, double value)
    {
        var current = Volatile.Read(ref location);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref location, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}
