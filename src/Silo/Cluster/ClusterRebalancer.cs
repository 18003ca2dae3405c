using Microsoft.Extensions.Options;
using Perms.Cluster;
using Perms.Silo.Grains;

namespace Perms.Silo.Cluster;

/// <summary>
/// On every change of the cluster view, deactivates the user grains this silo no longer owns, so each user stays cached
/// on one silo and memory follows ownership. Organization grains stay: they are placed with the users that need them
/// (on each of their owners) and leave by idle collection. Does nothing for a silo alone.
/// </summary>
internal sealed partial class ClusterRebalancer(
    IOptions<ClusterOptions> options,
    IServiceProvider services,
    IGrainInvalidator grains,
    ILogger<ClusterRebalancer> logger) : IHostedService
{
    private readonly Lock _gate = new();
    private Task _pending = Task.CompletedTask;
    private IMembershipProvider? _membership;
    private SiloAddress? _self;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsClustered)
        {
            return Task.CompletedTask;
        }

        _self = SiloAddress.Parse(options.Value.Self!);
        _membership = services.GetRequiredService<IMembershipProvider>();
        _membership.Changed += OnViewChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_membership is not null)
        {
            _membership.Changed -= OnViewChanged;
        }

        return Task.CompletedTask;
    }

    /// <summary>Deactivates the user grains <paramref name="view"/> gives to other silos; returns how many.</summary>
    internal async Task<int> RebalanceAsync(ClusterView view)
    {
        // A view without this silo (it has not joined yet, or has just left) owns nothing here: keep the cache rather
        // than drop everything on a transient read.
        if (view.Silos.IsEmpty || !view.Silos.Contains(_self!))
        {
            return 0;
        }

        var self = _self!;
        var moved = await grains.InvalidateUsersWhereAsync(key => RendezvousPlacement.OwnerOf(key, view) != self).ConfigureAwait(false);
        LogRebalanced(view, moved);
        return moved;
    }

    /// <summary>Completes when every view change seen so far has been applied.</summary>
    internal Task WhenIdle()
    {
        lock (_gate)
        {
            return _pending;
        }
    }

    private void OnViewChanged(object? sender, ClusterView view)
    {
        // Off the membership refresh (which raised this under its lock): a large cache must not delay the next
        // heartbeat. Passes run one after another, each on the latest view, so a late pass never undoes a newer view.
        lock (_gate)
        {
            _pending = _pending.ContinueWith(_ => RebalanceLatestAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task RebalanceLatestAsync()
    {
        var view = _membership!.Current;
        try
        {
            await RebalanceAsync(view).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Keeping grains it no longer owns costs memory, not correctness: events still reach every silo.
            LogRebalanceFailed(e, view);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Cluster view {View}: deactivated {Count} user grains now owned by other silos")]
    private partial void LogRebalanced(ClusterView view, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Rebalancing after the view change to {View} failed")]
    private partial void LogRebalanceFailed(Exception exception, ClusterView view);
}
