namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// The explicit bucket bounds of histograms: from 50 µs to 10 s in a 1–2.5–5 progression. An instrument in
/// milliseconds (unit <c>ms</c>, and any other unit) gets <see cref="Milliseconds"/>; one in seconds (unit <c>s</c>)
/// the same bounds divided by 1000.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 (ms).</summary>
    public static IReadOnlyList<double> Milliseconds { get; } =
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>The same bounds in seconds: 0.00005 … 10.</summary>
    public static IReadOnlyList<double> Seconds { get; } = [.. Milliseconds.Select(static ms => (double)((decimal)ms / 1000m))];

    /// <summary>The bounds for an instrument of <paramref name="unit"/>.</summary>
    public static IReadOnlyList<double> For(string? unit) => unit == "s" ? Seconds : Milliseconds;
}
