using System.Globalization;
using Perms.LoadTest.Running;

namespace Perms.LoadTest.Comparison;

/// <summary>
/// The targets of shared/design/performance.md that a comparison run measures, as ratios between targets measured in
/// the same run (these machines are shared and noisy: only same-run ratios are comparable across runs).
/// </summary>
internal static class PerformanceGoals
{
    /// <summary>Perms' warm throughput as a share of the empty-call floor: at least this.</summary>
    public const double FloorShare = 0.70;

    /// <summary>Better Auth's p50 over Perms' p50, one connection, sequential: at least this.</summary>
    public const double BetterAuthLatencyRatio = 50;

    /// <summary>Perms' throughput over Better Auth's: at least this.</summary>
    public const double BetterAuthThroughputRatio = 100;

    /// <summary>Perms' warm throughput over its fully_consistent throughput: at least this.</summary>
    public const double FullyConsistentRatio = 3;

    /// <summary>Perms' p99 under an open-loop load at 50% of its maximum throughput: at most this, µs.</summary>
    public const double HalfLoadP99Micros = 1000;

    /// <summary>Perms' p50, one connection, sequential: at most this, µs.</summary>
    public const double SequentialP50Micros = 100;

    /// <summary>Perms' p99, one connection, sequential: at most this, µs.</summary>
    public const double SequentialP99Micros = 300;

    /// <summary>Checks every target; those involving Better Auth are "not measured" when <paramref name="betterAuth"/> is null.</summary>
    public static IReadOnlyList<PerformanceGoal> Evaluate(ComparisonPhases floor, ComparisonPhases warm, ComparisonPhases consistent, ComparisonPhases? betterAuth)
    {
        var perms = warm.Throughput.Throughput;
        return
        [
            AtLeast("Perms warm throughput / empty-call floor (closed loop)", Ratio(perms, floor.Throughput.Throughput), FloorShare, percent: true),
            AtLeast("Perms warm / fully_consistent throughput (closed loop)", Ratio(perms, consistent.Throughput.Throughput), FullyConsistentRatio),
            // Arrivals refused at the in-flight cap never reach the histogram and are the slowest by construction:
            // a phase with any error cannot meet a latency goal, whatever the answered requests' p99 says.
            HalfLoad(warm.HalfLoad),
            AtMost("Perms warm p50, one connection, sequential", Percentile(warm.Sequential, "p50"), SequentialP50Micros),
            AtMost("Perms warm p99, one connection, sequential", Percentile(warm.Sequential, "p99"), SequentialP99Micros),
            AtLeast("Better Auth p50 / Perms warm p50 (one connection, sequential)", betterAuth is null ? null : Ratio(Percentile(betterAuth.Sequential, "p50"), Percentile(warm.Sequential, "p50")), BetterAuthLatencyRatio),
            AtLeast("Perms warm throughput / Better Auth throughput (closed loop)", betterAuth is null ? null : Ratio(perms, betterAuth.Throughput.Throughput), BetterAuthThroughputRatio),
        ];
    }

    private static PerformanceGoal HalfLoad(LoadResult? result)
    {
        var goal = AtMost("Perms warm p99 at 50% of its max throughput (open loop)", Percentile(result, "p99"), HalfLoadP99Micros);
        return result is { Errors: > 0 } && goal.Met is true
            ? goal with { Met = false, Value = $"{goal.Value} ({result.Errors:N0} arrivals not answered)" }
            : goal;
    }

    private static double? Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 && n > 0 ? n / d : null;

    private static double? Percentile(LoadResult? result, string key) =>
        result is not null && result.Correct + result.Wrong > 0 && result.Latency.TryGetValue(key, out var value) ? value : null;

    private static PerformanceGoal AtLeast(string metric, double? value, double goal, bool percent = false) =>
        new(metric, $"≥ {(percent ? Percent(goal) : Times(goal))}", value is { } v ? (percent ? Percent(v) : Times(v)) : "n/a", value is { } x ? x >= goal : null);

    private static PerformanceGoal AtMost(string metric, double? micros, double goal) =>
        new(metric, $"≤ {Micros(goal)}", micros is { } v ? Micros(v) : "n/a", micros is { } x ? x <= goal : null);

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:N0}%");

    private static string Times(double ratio) => ratio >= 10
        ? string.Create(CultureInfo.InvariantCulture, $"{ratio:N0}×")
        : string.Create(CultureInfo.InvariantCulture, $"{ratio:N1}×");

    private static string Micros(double micros) => micros >= 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{micros / 1000:N2} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{micros:N0} µs");
}
