using Microsoft.Extensions.Logging;

namespace Perms.Cluster;

/// <summary>
/// The current view of a refreshing membership provider: replaced only when the set of silos changes (the version
/// counts this provider's changes), read lock-free; refreshes are serialised so that a manual refresh and the timer's
/// never publish views out of order.
/// </summary>
internal sealed class ViewHolder(ILogger logger)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private ClusterView _current = ClusterView.Empty;

    /// <summary>The current view.</summary>
    public ClusterView Current => Volatile.Read(ref _current);

    /// <summary>
    /// One refresh: <paramref name="read"/> (given the current view, for its log messages) returns the live silos, or
    /// null to keep the view (a failure it logged); a different set becomes the next view and is passed to
    /// <paramref name="changed"/>.
    /// </summary>
    /// <returns>True when the view changed.</returns>
    public async Task<bool> RefreshAsync(
        Func<ClusterView, CancellationToken, Task<IEnumerable<SiloAddress>?>> read,
        Action<ClusterView> changed,
        CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await read(Current, cancellationToken).ConfigureAwait(false) is not { } silos || TryReplace(silos) is not { } view)
            {
                return false;
            }

            changed(view);
            return true;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private ClusterView? TryReplace(IEnumerable<SiloAddress> silos)
    {
        var current = Current;
        var candidate = new ClusterView(current.Version + 1, silos);
        if (candidate.HasSameSilos(current))
        {
            return null;
        }

        Volatile.Write(ref _current, candidate);
        logger.ViewChanged(candidate);
        return candidate;
    }
}
