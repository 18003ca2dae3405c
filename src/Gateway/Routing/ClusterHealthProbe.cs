using Perms.Cluster;
using Perms.Gateway.Health;

namespace Perms.Gateway.Routing;

/// <summary>
/// A gateway's health: SERVING while its cluster view holds at least one silo, NOT_SERVING otherwise and from the start
/// of shutdown (so Kubernetes stops sending calls before the process stops answering).
/// </summary>
internal sealed partial class ClusterHealthProbe(
    IMembershipProvider membership,
    HealthReporter reporter,
    IHostApplicationLifetime lifetime,
    ILogger<ClusterHealthProbe> logger) : IHostedService
{
    private bool _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        membership.Changed += OnChanged;
        lifetime.ApplicationStopping.Register(() =>
        {
            _stopping = true;
            reporter.MarkStopping();
        });
        Update(membership.Current);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        membership.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(object? sender, ClusterView view) => Update(view);

    private void Update(ClusterView view)
    {
        var serving = !view.Silos.IsEmpty && !_stopping;
        if (serving == reporter.IsServing)
        {
            return;
        }

        if (serving)
        {
            LogServing(view);
        }
        else
        {
            LogNotServing(view);
        }

        reporter.SetServing(serving);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Health is now SERVING: the cluster view is {View}")]
    private partial void LogServing(ClusterView view);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Health is now NOT_SERVING: the cluster view {View} holds no silo")]
    private partial void LogNotServing(ClusterView view);
}
