namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// One series' tags, sorted by name (so the same tags in another order are the same series), with a hash that does not
/// depend on their order. Made once per series, when its first measurement arrives.
/// </summary>
internal sealed class TagSet
{
    private TagSet(KeyValuePair<string, object?>[] tags, int hash)
    {
        Tags = tags;
        Hash = hash;
    }

    /// <summary>No tags.</summary>
    public static TagSet Empty { get; } = new([], 0);

    /// <summary>The tags, sorted by name (ordinal).</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>The order-independent hash (<see cref="HashOf"/>).</summary>
    public int Hash { get; }

    /// <summary>Copies and sorts <paramref name="tags"/>.</summary>
    public static TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var copy = tags.ToArray();
        Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new TagSet(copy, HashOf(tags));
    }

    /// <summary>A hash of the tags that ignores their order.</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = 0;
        foreach (var tag in tags)
        {
            hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(tag.Key), tag.Value?.GetHashCode() ?? 0);
        }

        return hash;
    }

    /// <summary>Whether <paramref name="tags"/> (in any order) are exactly these tags.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        foreach (var tag in tags)
        {
            if (!Contains(tag))
            {
                return false;
            }
        }

        return true;
    }

    private bool Contains(KeyValuePair<string, object?> tag)
    {
        foreach (var mine in Tags)
        {
            if (string.Equals(mine.Key, tag.Key, StringComparison.Ordinal))
            {
                return Equals(mine.Value, tag.Value);
            }
        }

        return false;
    }
}
