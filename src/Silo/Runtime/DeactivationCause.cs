namespace Perms.Silo.Runtime;

/// <summary>Why an activation ended (a metric dimension).</summary>
public enum DeactivationCause
{
    /// <summary>Not used for longer than the collection age.</summary>
    Idle,

    /// <summary>Its state passed the maximum staleness.</summary>
    Stale,

    /// <summary>A change event touched it.</summary>
    Event,

    /// <summary>Shed to keep the activation count or bytes under the cap (least recently used first).</summary>
    Eviction,

    /// <summary>Asked for by an operator or a caller (by key, by predicate, or everything).</summary>
    Explicit,

    /// <summary>The cluster view changed and another silo owns the key now.</summary>
    Rebalanced,
}
