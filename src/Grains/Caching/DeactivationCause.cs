namespace Perms.Grains.Caching;

/// <summary>Why a grain's state was dropped (a metric dimension).</summary>
public enum DeactivationCause
{
    /// <summary>Not used for longer than the collection age (Orleans' idle collection).</summary>
    Idle,

    /// <summary>A change event touched it.</summary>
    Event,

    /// <summary>Shed by Orleans under memory pressure.</summary>
    Eviction,

    /// <summary>Asked for by an operator or a caller (by key, by predicate, or everything).</summary>
    Explicit,

    /// <summary>Deactivated by Orleans for another reason (the silo shutting down, a migration, an error).</summary>
    Shutdown,
}
