namespace Perms.LoadTest.Running;

/// <summary>Progress of a running phase, reported about once a second (live terminal output).</summary>
/// <param name="Target">The target's name.</param>
/// <param name="WarmingUp">True during the warm-up.</param>
/// <param name="Elapsed">Time into the current part (warm-up or measurement).</param>
/// <param name="Remaining">Time left in the current part.</param>
/// <param name="Completed">Requests answered (correct or wrong) so far in the current part (warm-up or measured).</param>
/// <param name="RatePerSecond">Completions per second over the last interval.</param>
/// <param name="Errors">Errors so far in the current part.</param>
/// <param name="Wrong">Wrong answers so far in the current part.</param>
/// <param name="P50Micros">Median latency so far in the current part, µs.</param>
/// <param name="P99Micros">99th percentile so far, µs.</param>
internal sealed record LoadSnapshot(string Target, bool WarmingUp, TimeSpan Elapsed, TimeSpan Remaining, long Completed, double RatePerSecond, long Errors, long Wrong, double P50Micros, double P99Micros);
