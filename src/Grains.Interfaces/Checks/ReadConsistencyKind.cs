namespace Perms.Grains.Interfaces.Checks;

/// <summary>The kinds of <see cref="ReadConsistency"/>.</summary>
[GenerateSerializer]
[Alias("perms.ReadConsistencyKind")]
public enum ReadConsistencyKind
{
    /// <summary>Cached state (the default).</summary>
    MinimizeLatency,

    /// <summary>State read at or after a given time.</summary>
    AtLeastAsFresh,

    /// <summary>A read of PostgreSQL for this call.</summary>
    FullyConsistent,
}
