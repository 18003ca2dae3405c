using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// One result against the baseline of its run, every ratio being this target's figure ÷ the baseline's: a p50 ratio
/// of 0.02 is a 50× lower median, a throughput ratio of 100 is 100× the requests per second. Null when the baseline's
/// figure is zero (nothing answered).
/// </summary>
/// <param name="Target">The result's target name.</param>
/// <param name="Baseline">The baseline's target name.</param>
/// <param name="P50Ratio">Median latency ÷ the baseline's.</param>
/// <param name="P99Ratio">99th percentile latency ÷ the baseline's.</param>
/// <param name="ThroughputRatio">Answered requests per second ÷ the baseline's.</param>
internal sealed record ResultRatio(string Target, string Baseline, double? P50Ratio, double? P99Ratio, double? ThroughputRatio)
{
    /// <summary>The ratios of <paramref name="result"/> against <paramref name="baseline"/>.</summary>
    public static ResultRatio Compute(LoadResult result, LoadResult baseline)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(baseline);
        return new ResultRatio(
            result.Target,
            baseline.Target,
            Divide(result.Latency.GetValueOrDefault("p50"), baseline.Latency.GetValueOrDefault("p50")),
            Divide(result.Latency.GetValueOrDefault("p99"), baseline.Latency.GetValueOrDefault("p99")),
            Divide(result.Throughput, baseline.Throughput));
    }

    private static double? Divide(double value, double baseline) => baseline > 0 && double.IsFinite(value) ? value / baseline : null;
}
