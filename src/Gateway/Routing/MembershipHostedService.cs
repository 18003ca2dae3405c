using Microsoft.Extensions.Options;
using Perms.Cluster;

namespace Perms.Gateway.Routing;

/// <summary>
/// Starts the membership provider with the host, and leaves the cluster as soon as the host starts stopping — before
/// in-flight calls drain — so other processes route elsewhere while this one finishes its calls. Does nothing for a
/// silo alone.
/// </summary>
internal sealed partial class MembershipHostedService(
    IOptions<ClusterOptions> options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<MembershipHostedService> logger) : IHostedService
{
    private IMembershipProvider? _membership;
    private Task? _leaving;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsClustered)
        {
            _leaving = Task.CompletedTask;
            return;
        }

        var membership = _membership = services.GetRequiredService<IMembershipProvider>();
        await membership.StartAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(membership.Current);
        lifetime.ApplicationStopping.Register(() => _leaving ??= LeaveAsync());
    }

    public Task StopAsync(CancellationToken cancellationToken) => _leaving ??= LeaveAsync();

    private async Task LeaveAsync()
    {
        try
        {
            await _membership!.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Leaving is best effort: the others drop this silo after their suspicion timeout anyway.
            LogLeaveFailed(e);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Cluster membership started; the view is {View}")]
    private partial void LogStarted(ClusterView view);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Leaving the cluster failed; the others drop this process after their suspicion timeout")]
    private partial void LogLeaveFailed(Exception exception);
}
