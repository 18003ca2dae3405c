namespace Perms.Grains.Caching;

/// <summary>Per-request consistency (configuration section <c>Perms:Consistency</c>).</summary>
public sealed class ConsistencyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Consistency";

    /// <summary>
    /// Added to every <c>at_least_as_fresh</c> time before it is compared with when this silo read the state: a caller
    /// whose clock runs ahead of the silo's by up to this much still gets state read after its change. Larger is
    /// safer and reloads more often; a time that ends up in the future simply means "a load that starts now".
    /// Default 500 ms (NTP keeps a cluster's clocks within a few milliseconds).
    /// </summary>
    public TimeSpan ClockSkewMargin { get; set; } = TimeSpan.FromMilliseconds(500);
}
