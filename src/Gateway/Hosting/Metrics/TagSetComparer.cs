namespace Perms.Gateway.Hosting.Metrics;

/// <summary>Compares <see cref="TagSet"/>s, and a measurement's <see cref="TagSpan"/> with them without allocating.</summary>
internal sealed class TagSetComparer : IEqualityComparer<TagSet>, IAlternateEqualityComparer<TagSpan, TagSet>
{
    public static TagSetComparer Instance { get; } = new();

    public bool Equals(TagSet? x, TagSet? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash && x.Matches(y.Tags));

    public int GetHashCode(TagSet obj) => obj.Hash;

    public bool Equals(TagSpan alternate, TagSet other) => other.Matches(alternate.Tags);

    public int GetHashCode(TagSpan alternate) => TagSet.HashOf(alternate.Tags);

    public TagSet Create(TagSpan alternate) => TagSet.Create(alternate.Tags);
}
