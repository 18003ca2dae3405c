namespace Perms.Grains.Interfaces.Checks;

/// <summary>
/// How fresh the state behind one answer must be (the API's <c>Consistency</c>): the cached grain state
/// (<see cref="MinimizeLatency"/>), state read at or after a point in time (<see cref="AtLeastAsFresh"/>), or a read
/// of PostgreSQL for this call alone (<see cref="FullyConsistent"/>).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("perms.ReadConsistency")]
public readonly record struct ReadConsistency
{
    private ReadConsistency(ReadConsistencyKind kind, DateTimeOffset notReadBefore)
    {
        Kind = kind;
        NotReadBefore = notReadBefore;
    }

    /// <summary>The requirement.</summary>
    [Id(0)]
    public ReadConsistencyKind Kind { get; }

    /// <summary>For <see cref="ReadConsistencyKind.AtLeastAsFresh"/>: the caller's time the state must not be older than.</summary>
    [Id(1)]
    public DateTimeOffset NotReadBefore { get; }

    /// <summary>The default: cached state, bounded by the maximum staleness and change events.</summary>
    public static ReadConsistency MinimizeLatency => default;

    /// <summary>Read PostgreSQL for this call; the result is not cached.</summary>
    public static ReadConsistency FullyConsistent => new(ReadConsistencyKind.FullyConsistent, default);

    /// <summary>State read from PostgreSQL at or after <paramref name="notReadBefore"/> (plus the silo's clock-skew margin).</summary>
    public static ReadConsistency AtLeastAsFresh(DateTimeOffset notReadBefore) => new(ReadConsistencyKind.AtLeastAsFresh, notReadBefore);
}
