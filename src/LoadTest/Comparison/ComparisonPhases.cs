using Perms.LoadTest.Running;

namespace Perms.LoadTest.Comparison;

/// <summary>One target's three measurements in a comparison run.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Throughput">Closed loop with every caller: maximum throughput.</param>
/// <param name="HalfLoad">Open loop at half of <paramref name="Throughput"/>'s rate: latency under load, queueing included; null when nothing was answered at full load.</param>
/// <param name="Sequential">Closed loop with one caller: latency of one request at a time.</param>
internal sealed record ComparisonPhases(string Target, LoadResult Throughput, LoadResult? HalfLoad, LoadResult Sequential)
{
    /// <summary>Every measurement, in phase order.</summary>
    public IEnumerable<LoadResult> All => HalfLoad is null ? [Throughput, Sequential] : [Throughput, HalfLoad, Sequential];
}
