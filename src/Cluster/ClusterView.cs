using System.Collections.Immutable;

namespace Perms.Cluster;

/// <summary>
/// A snapshot of the live silos: sorted ordinally and distinct, so two processes that see the same set hold equal
/// views and place every key alike. Immutable; a membership provider swaps a new one in on a change.
/// </summary>
public sealed record ClusterView
{
    /// <summary>Creates a view; <paramref name="silos"/> is sorted and duplicates are dropped.</summary>
    /// <param name="version">
    /// The provider's counter of changes, increasing within one process. Providers in different processes number
    /// their views independently: compare the silos with <see cref="HasSameSilos"/>.
    /// </param>
    /// <param name="silos">The live silos, in any order.</param>
    /// <exception cref="ArgumentException">A silo is null or the version is negative.</exception>
    public ClusterView(long version, IEnumerable<SiloAddress> silos)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentNullException.ThrowIfNull(silos);
        var list = silos.ToList();
        if (list.Contains(null!))
        {
            throw new ArgumentException("A cluster view cannot hold a null silo.", nameof(silos));
        }

        Version = version;
        Silos = [.. list.Distinct().Order()];
    }

    /// <summary>The view of no silos, version 0: what a provider holds before its first successful discovery.</summary>
    public static ClusterView Empty { get; } = new(0, []);

    /// <summary>The provider's change counter (see the constructor).</summary>
    public long Version { get; }

    /// <summary>The live silos, sorted ordinally (<see cref="SiloAddress.CompareTo"/>) and distinct.</summary>
    public ImmutableArray<SiloAddress> Silos { get; }

    /// <summary>True when both views hold the same silos, whatever their versions.</summary>
    public bool HasSameSilos(ClusterView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Silos.AsSpan().SequenceEqual(other.Silos.AsSpan());
    }

    /// <summary>Equal when the versions are equal and the silos are the same, element by element.</summary>
    public bool Equals(ClusterView? other) =>
        other is not null && Version == other.Version && HasSameSilos(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        foreach (var silo in Silos)
        {
            hash.Add(silo);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>v{Version} [host:port, ...]</c>.</summary>
    public override string ToString() => $"v{Version} [{string.Join(", ", Silos)}]";
}
