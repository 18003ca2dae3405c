using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

public sealed class LatencyHistogramTests
{
    private static readonly double[] Percentiles = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100];

    [Fact]
    public void Percentiles_of_values_from_1_microsecond_to_60_seconds_are_within_the_stated_relative_error()
    {
        var random = new Random(42);
        var values = Enumerable.Range(0, 200_000)
            .Select(_ => (long)Math.Pow(10, 3 + (random.NextDouble() * Math.Log10(60e9 / 1e3))))
            .ToArray();

        AssertPercentilesMatch(values);
    }

    [Fact]
    public void Percentiles_of_a_narrow_microsecond_range_are_within_the_stated_relative_error()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 100_000).Select(_ => 40_000L + random.NextInt64(0, 200_000)).ToArray();

        AssertPercentilesMatch(values);
    }

    [Fact]
    public void The_stated_relative_error_is_below_one_percent()
    {
        Assert.True(new LatencyHistogram().RelativeError <= 0.01);
    }

    [Fact]
    public void The_maximum_and_the_mean_are_exact()
    {
        var histogram = new LatencyHistogram();
        foreach (var nanos in new long[] { 1_500, 2_500, 1_234_567 })
        {
            histogram.Record(nanos);
        }

        Assert.Equal(1_234.567, histogram.MaxMicros, 9);
        Assert.Equal((1_500 + 2_500 + 1_234_567) / 3.0 / 1000, histogram.MeanMicros, 9);
        Assert.Equal(3, histogram.Count);
    }

    [Fact]
    public void An_empty_histogram_reports_zeros()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.PercentileMicros(50));
        Assert.Equal(0, histogram.MeanMicros);
        Assert.Equal(0, histogram.MaxMicros);
        Assert.Empty(histogram.Buckets());
    }

    [Fact]
    public void Concurrent_recording_loses_nothing()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 4, worker =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                histogram.Record(1_000 + (i % 5_000));
            }
        });

        Assert.Equal(400_000, histogram.Count);
        Assert.Equal(400_000, histogram.Buckets().Sum(bucket => bucket.Count));
    }

    [Fact]
    public void Buckets_are_ascending_and_hold_their_values()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(90_000);
        histogram.Record(5_000_000);

        var buckets = histogram.Buckets();

        Assert.Equal(2, buckets.Count);
        Assert.InRange(buckets[0].UpperMicros, 90, 90 * (1 + (2 * histogram.RelativeError)));
        Assert.InRange(buckets[1].UpperMicros, 5_000, 5_000 * (1 + (2 * histogram.RelativeError)));
    }

    private static void AssertPercentilesMatch(long[] values)
    {
        var histogram = new LatencyHistogram();
        foreach (var value in values)
        {
            histogram.Record(value);
        }

        var sorted = values.Order().ToArray();
        foreach (var percentile in Percentiles)
        {
            var rank = Math.Clamp((long)Math.Ceiling(percentile / 100 * sorted.Length), 1, sorted.Length);
            var exact = sorted[rank - 1] / 1000.0;
            var measured = histogram.PercentileMicros(percentile);
            Assert.True(
                Math.Abs(measured - exact) <= (exact * histogram.RelativeError) + 1e-9,
                $"p{percentile}: histogram {measured} µs, exact {exact} µs, allowed error {histogram.RelativeError:P2}");
        }

        Assert.Equal(sorted[^1] / 1000.0, histogram.MaxMicros);
        Assert.Equal(values.Average() / 1000, histogram.MeanMicros, tolerance: values.Average() / 1000 * 1e-9);
    }
}
