namespace Perms.LoadTest.Running;

/// <summary>The measured part of one phase against one target.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Options">The phase's options.</param>
/// <param name="Elapsed">Measured wall time.</param>
/// <param name="Correct">Requests answered correctly.</param>
/// <param name="Wrong">Requests answered wrongly (must be zero).</param>
/// <param name="Errors">Requests not answered.</param>
/// <param name="ErrorsByDetail">Errors by <see cref="RequestResult.Detail"/> label.</param>
/// <param name="WrongExamples">Up to 10 descriptions of wrong answers.</param>
/// <param name="Latency">Latency percentiles of answered requests (correct or wrong), µs: keys p50, p90, p99, p99.9, max, mean.</param>
/// <param name="Histogram">Latency distribution: (upper bound µs, count) buckets, ascending, for the report's chart.</param>
/// <param name="Timeline">One point per second: completions, errors, wrong, p50 and p99 (µs) in that second.</param>
internal sealed record LoadResult(
    string Target,
    LoadOptions Options,
    TimeSpan Elapsed,
    long Correct,
    long Wrong,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByDetail,
    IReadOnlyList<string> WrongExamples,
    IReadOnlyDictionary<string, double> Latency,
    IReadOnlyList<(double UpperMicros, long Count)> Histogram,
    IReadOnlyList<TimelinePoint> Timeline)
{
    /// <summary>Answered requests per second (correct + wrong) over the measured part.</summary>
    public double Throughput => (Correct + Wrong) / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>
    /// Open loop only (null otherwise): how late requests were actually sent after their intended start, µs — keys
    /// p50, p99, max. Latency includes this delay; when it is large the client, not the target, was the bottleneck.
    /// </summary>
    public IReadOnlyDictionary<string, double>? StartDelay { get; init; }
}
