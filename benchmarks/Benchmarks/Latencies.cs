using System.Diagnostics;

namespace Perms.Benchmarks;

/// <summary>Sequential latency samples and the markdown rows the benchmark commands print.</summary>
internal static class Latencies
{
    /// <summary>Runs <paramref name="action"/> <paramref name="samples"/> times, one after another; returns the sorted microseconds.</summary>
    public static async Task<double[]> MeasureAsync(int samples, Func<Task> action)
    {
        var micros = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return micros;
    }

    /// <summary>The <paramref name="p"/> quantile (nearest rank) of sorted samples.</summary>
    public static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>A row <c>| name | p50 | p90 | p99 | max | p50 / baseline p50 |</c>.</summary>
    public static void Print(string name, double[] sorted, double[] baseline) =>
        Console.WriteLine($"| {name} | {Format(Percentile(sorted, 0.5))} | {Format(Percentile(sorted, 0.9))} | {Format(Percentile(sorted, 0.99))} | {Format(sorted[^1])} | {Percentile(sorted, 0.5) / Percentile(baseline, 0.5):F2} |");

    /// <summary>µs below a millisecond, ms above.</summary>
    public static string Format(double micros) => micros >= 1000 ? $"{micros / 1000:F2} ms" : $"{micros:F0} µs";
}
