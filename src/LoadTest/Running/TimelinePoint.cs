namespace Perms.LoadTest.Running;

/// <summary>One second of a measured phase.</summary>
/// <param name="Second">Seconds since the measured part began.</param>
/// <param name="Completed">Requests answered (correct or wrong) in that second.</param>
/// <param name="Errors">Errors in that second.</param>
/// <param name="Wrong">Wrong answers in that second.</param>
/// <param name="P50Micros">Median latency of that second, µs (0 when nothing completed).</param>
/// <param name="P99Micros">99th percentile of that second, µs.</param>
internal sealed record TimelinePoint(int Second, long Completed, long Errors, long Wrong, double P50Micros, double P99Micros);
