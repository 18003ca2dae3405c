namespace Perms.LoadTest.Reporting;

/// <summary>One axis of a chart: its range, scale and labelled ticks.</summary>
/// <param name="Title">The axis title.</param>
/// <param name="Min">The value at the axis origin.</param>
/// <param name="Max">The value at the axis end.</param>
/// <param name="Logarithmic">Log scale (values at or below zero sit on the origin).</param>
/// <param name="Ticks">Grid lines with their labels.</param>
internal sealed record ChartAxis(string Title, double Min, double Max, bool Logarithmic, IReadOnlyList<(double Value, string Label)> Ticks)
{
    /// <summary>The percentiles p0 … p99.99 spread as log10(1/(1−p)), so each extra nine gets the same width.</summary>
    public static ChartAxis Percentiles() => new(
        "percentile",
        0,
        4,
        false,
        [(0, "p0"), (Math.Log10(2), "p50"), (1, "p90"), (2, "p99"), (3, "p99.9"), (4, "p99.99")]);

    /// <summary>The x position on <see cref="Percentiles"/> of percentile <paramref name="percentile"/> (0–100).</summary>
    public static double PercentilePosition(double percentile) => -Math.Log10(1 - (Math.Min(percentile, 99.99) / 100));

    /// <summary>Seconds 0 … <paramref name="seconds"/> of a timeline.</summary>
    public static ChartAxis Seconds(int seconds)
    {
        seconds = Math.Max(seconds, 1);
        var step = NiceStep(seconds / 6.0);
        var ticks = new List<(double, string)>();
        for (var value = 0.0; value <= seconds + 1e-9; value += step)
        {
            ticks.Add((value, ReportFormat.Seconds(TimeSpan.FromSeconds(value))));
        }

        return new ChartAxis("time into the measured part", 0, seconds, false, ticks);
    }

    /// <summary>A latency axis (µs), logarithmic over whole decades around <paramref name="values"/>.</summary>
    public static ChartAxis Latency(string title, IEnumerable<double> values) => LogarithmicAxis(title, values, ReportFormat.LatencyTick);

    /// <summary>A count or rate axis from 0, or logarithmic when the lines differ by more than 20× (a slow target would be flat otherwise).</summary>
    /// <param name="title">The axis title.</param>
    /// <param name="seriesMaxima">Each line's largest value.</param>
    /// <param name="label">The tick label of a value.</param>
    public static ChartAxis Counts(string title, IReadOnlyCollection<double> seriesMaxima, Func<double, string> label)
    {
        var positive = seriesMaxima.Where(value => value > 0).ToList();
        if (positive.Count > 1 && positive.Max() / positive.Min() > 20)
        {
            return LogarithmicAxis(title, positive.Append(positive.Min() / 10), label);
        }

        var step = NiceStep(Math.Max(positive.DefaultIfEmpty(1).Max(), 1e-9) / 5);
        var max = Math.Ceiling(Math.Max(positive.DefaultIfEmpty(1).Max(), 1e-9) / step) * step;
        var ticks = new List<(double, string)>();
        for (var value = 0.0; value <= max + (step / 2); value += step)
        {
            ticks.Add((value, label(value)));
        }

        return new ChartAxis(title, 0, max, false, ticks);
    }

    /// <summary>Maps <paramref name="value"/> to 0 (origin) … 1 (end), clamped.</summary>
    public double Position(double value)
    {
        double position;
        if (Logarithmic)
        {
            position = value <= 0 ? 0 : (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));
        }
        else
        {
            position = (value - Min) / (Max - Min);
        }

        return double.IsFinite(position) ? Math.Clamp(position, 0, 1) : 0;
    }

    private static ChartAxis LogarithmicAxis(string title, IEnumerable<double> values, Func<double, string> label)
    {
        var positive = values.Where(value => value > 0 && double.IsFinite(value)).DefaultIfEmpty(1).ToList();
        var low = Math.Floor(Math.Log10(positive.Min()));
        var high = Math.Ceiling(Math.Log10(positive.Max()));
        if (high <= low)
        {
            high = low + 1;
        }

        var ticks = new List<(double, string)>();
        for (var decade = low; decade <= high; decade++)
        {
            foreach (var multiple in high - low <= 2 ? new[] { 1.0, 2, 5 } : [1.0])
            {
                var value = multiple * Math.Pow(10, decade);
                if (value <= Math.Pow(10, high) * 1.0001)
                {
                    ticks.Add((value, label(value)));
                }
            }
        }

        return new ChartAxis(title, Math.Pow(10, low), Math.Pow(10, high), true, ticks);
    }

    /// <summary>1, 2 or 5 × a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-9))));
        return new[] { 1.0, 2, 5, 10 }.Select(multiple => multiple * power).First(step => step >= rough * 0.999);
    }
}
