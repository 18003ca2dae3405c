using System.Globalization;
using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>How numbers read in the terminal, the markdown table and the HTML report (invariant culture throughout).</summary>
internal static class ReportFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A latency given in µs: µs below 1 ms (<c>87.3 µs</c>), ms above (<c>1.25 ms</c>); <c>–</c> for nothing measured.</summary>
    public static string Latency(double micros)
    {
        if (!double.IsFinite(micros) || micros <= 0)
        {
            return "–";
        }

        if (micros < 999.5)
        {
            return micros < 9.995 ? Format(micros, "0.00", " µs") : micros < 99.95 ? Format(micros, "0.0", " µs") : Format(micros, "0", " µs");
        }

        var millis = micros / 1000;
        return millis < 9.995 ? Format(millis, "0.00", " ms") : millis < 99.95 ? Format(millis, "0.0", " ms") : Format(millis, "#,0", " ms");
    }

    /// <summary>A short latency label for chart axes (<c>100 µs</c>, <c>2 ms</c>, <c>1 s</c>).</summary>
    public static string LatencyTick(double micros) => micros switch
    {
        < 1000 => Format(micros, "0.##", " µs"),
        < 1_000_000 => Format(micros / 1000, "0.##", " ms"),
        _ => Format(micros / 1_000_000, "0.##", " s"),
    };

    /// <summary>A rate or count with thousands separators (<c>12,345</c>); one decimal below 100.</summary>
    public static string Number(double value) =>
        !double.IsFinite(value) ? "–" : Math.Abs(value) < 99.95 && value != Math.Floor(value) ? value.ToString("0.0", Invariant) : value.ToString("#,0", Invariant);

    /// <summary>A short rate label for chart axes (<c>500/s</c>, <c>20k/s</c>).</summary>
    public static string RateTick(double perSecond) => perSecond switch
    {
        < 1000 => Format(perSecond, "0.##", "/s"),
        < 1_000_000 => Format(perSecond / 1000, "0.##", "k/s"),
        _ => Format(perSecond / 1_000_000, "0.##", "M/s"),
    };

    /// <summary>The load shape: <c>open 1,000/s ≤64 in flight</c> or <c>closed 64 workers</c>.</summary>
    public static string Mode(LoadOptions options) => options.Mode == LoadMode.Open
        ? $"open {Number(options.Rate)}/s ≤{options.Concurrency.ToString(Invariant)} in flight"
        : $"closed {options.Concurrency.ToString(Invariant)} worker{(options.Concurrency == 1 ? "" : "s")}";

    /// <summary>A duration in seconds (<c>30 s</c>, <c>2.5 s</c>).</summary>
    public static string Seconds(TimeSpan span) => Format(span.TotalSeconds, "0.#", " s");

    /// <summary>A latency ratio (this ÷ baseline) as a reader says it: <c>52× lower</c>, <c>1.3× higher</c>; <c>–</c> when undefined.</summary>
    public static string LatencyRatio(double? ratio) => ratio switch
    {
        null or <= 0 or double.NaN or double.PositiveInfinity => "–",
        <= 1 => Times(1 / ratio.Value) + " lower",
        _ => Times(ratio.Value) + " higher",
    };

    /// <summary>A throughput ratio (this ÷ baseline): <c>120×</c>, <c>0.72×</c>; <c>–</c> when undefined.</summary>
    public static string ThroughputRatio(double? ratio) => ratio is { } value && double.IsFinite(value) && value > 0 ? Times(value) : "–";

    /// <summary>Requests sent in the measured part (or refused: <c>overload</c>): correct + wrong + errors.</summary>
    public static long Requests(LoadResult result) => result.Correct + result.Wrong + result.Errors;

    /// <summary>A latency percentile of <paramref name="result"/> by key (<c>p50</c>, <c>max</c>…), 0 when absent.</summary>
    public static double Percentile(LoadResult result, string key) => result.Latency.GetValueOrDefault(key);

    /// <summary>Errors by label, most frequent first: <c>12 overload, 3 UNAVAILABLE</c>.</summary>
    public static string ErrorSummary(LoadResult result) =>
        string.Join(", ", result.ErrorsByDetail.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Value.ToString("#,0", Invariant)} {pair.Key}"));

    /// <summary>
    /// Whether an open loop's client sent requests so late (start delay p99 at least a quarter of the latency p99, and
    /// over 100 µs) that its latency percentiles measure the client as much as the target.
    /// </summary>
    public static bool ClientLagged(LoadResult result) =>
        result.StartDelay?.GetValueOrDefault("p99") is { } delay && delay >= 100 && delay >= 0.25 * Percentile(result, "p99");

    /// <summary>A factor with three significant digits or so: <c>1.92×</c>, <c>52.3×</c>, <c>213×</c>, <c>1,250×</c>.</summary>
    private static string Times(double value) => Format(value, value >= 99.95 ? "#,0" : value >= 9.995 ? "0.0" : "0.00", "×");

    private static string Format(double value, string format, string unit) => value.ToString(format, Invariant) + unit;
}
