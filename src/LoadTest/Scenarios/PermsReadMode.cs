namespace Perms.LoadTest.Scenarios;

/// <summary>The <c>consistency</c> a Perms target asks for on every check.</summary>
internal enum PermsReadMode
{
    /// <summary>Unset: the grains' cached state, kept fresh by change events and bounded by the maximum staleness.</summary>
    Cached,

    /// <summary><c>fully_consistent</c>: PostgreSQL is read for every call and the result is not cached.</summary>
    FullyConsistent,

    /// <summary>
    /// <c>at_least_as_fresh</c> with the time the request is sent: read-your-writes on every call, the worst case of that
    /// requirement. Each call needs state loaded after it was sent (plus the silo's clock-skew margin), so it reloads,
    /// sharing only a qualifying load already in flight; unlike <see cref="FullyConsistent"/> the load is cached.
    /// </summary>
    AtLeastAsFresh,
}
