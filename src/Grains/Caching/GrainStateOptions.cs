namespace Perms.Grains.Caching;

/// <summary>
/// The lifetime rules of one grain type (configuration <c>Perms:Grains:User</c>, <c>Perms:Grains:Organization</c>).
/// Idle collection is Orleans' (this type's collection age); memory pressure is Orleans' activation shedding
/// (<c>Perms:Orleans:Shedding</c>).
/// </summary>
public sealed class GrainStateOptions
{
    /// <summary>An activation not used for this long is collected by Orleans (its per-type collection age; at least 1 min). Default 15 min.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The maximum staleness: state loaded longer ago is never used, even if no event arrived (events can be lost).
    /// Past it a check reloads; if the reload fails, the check fails. Default 5 min, as the seed ADR's cache TTL.
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed load, calls fail fast for this long before the next try; doubles per failure. Default 100 ms.</summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest back-off after repeated failures. Default 2 s.</summary>
    public TimeSpan MaxFailureBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one load may take before it is abandoned. Default 10 s.</summary>
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
