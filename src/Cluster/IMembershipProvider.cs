namespace Perms.Cluster;

/// <summary>Tells which silos are live, and when that changes.</summary>
public interface IMembershipProvider : IAsyncDisposable
{
    /// <summary>The latest view; <see cref="ClusterView.Empty"/> until the first successful discovery.</summary>
    ClusterView Current { get; }

    /// <summary>Raised with the new view each time the set of live silos changes (never for an unchanged set).</summary>
    event EventHandler<ClusterView>? Changed;

    /// <summary>Discovers the first view and starts keeping it current; disposing stops it.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
