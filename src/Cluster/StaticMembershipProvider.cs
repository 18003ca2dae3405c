namespace Perms.Cluster;

/// <summary>A fixed list of silos (a single process, or a cluster configured by hand): the view never changes.</summary>
public sealed class StaticMembershipProvider : IMembershipProvider
{
    /// <summary>Creates the provider of a fixed, non-empty list of distinct silos.</summary>
    /// <exception cref="ArgumentException">The list is empty or names a silo twice.</exception>
    public StaticMembershipProvider(IEnumerable<SiloAddress> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var list = silos.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("The static membership needs at least one silo address (host:port).", nameof(silos));
        }

        // A duplicate is a configuration mistake (a copy-paste, a wrong port) rather than something to fold silently.
        var duplicates = list.GroupBy(silo => silo).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new ArgumentException(
                $"The static membership names {string.Join(", ", duplicates)} more than once; list each silo once.", nameof(silos));
        }

        Current = new ClusterView(1, list);
    }

    /// <summary>Creates the provider from <c>host:port</c> texts.</summary>
    /// <exception cref="FormatException">A text is not a silo address.</exception>
    public StaticMembershipProvider(IEnumerable<string> addresses)
        : this(addresses?.Select(SiloAddress.Parse) ?? throw new ArgumentNullException(nameof(addresses)))
    {
    }

    /// <inheritdoc/>
    public ClusterView Current { get; }

    /// <inheritdoc/>
    /// <remarks>Never raised: the list is fixed, so handlers are not even kept.</remarks>
    public event EventHandler<ClusterView>? Changed
    {
        add { }
        remove { }
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
