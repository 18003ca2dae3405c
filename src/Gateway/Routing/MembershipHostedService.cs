using Microsoft.Extensions.Options;
using Perms.Cluster;

namespace Perms.Gateway.Routing;

/// <summary>
/// Runs the membership provider with the host. A gateway starts observing at once; a silo joins only once the host has
/// started — its endpoint listening — so nobody routes to it before it can answer. Both leave as soon as the host starts
/// stopping, before calls in flight drain, so the others route elsewhere while this process finishes its calls. Does
/// nothing for a silo alone. A silo that cannot join stops the process (exit code 1).
/// </summary>
internal sealed partial class MembershipHostedService(
    IOptions<ClusterOptions> options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<MembershipHostedService> logger) : IHostedService
{
    private readonly Lock _gate = new();
    private IMembershipProvider? _membership;
    private Task _joining = Task.CompletedTask;
    private Task? _leaving;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsClustered)
        {
            _leaving = Task.CompletedTask;
            return;
        }

        var membership = _membership = services.GetRequiredService<IMembershipProvider>();
        lifetime.ApplicationStopping.Register(() => Leave());
        if (options.Value.Self is null)
        {
            await membership.StartAsync(cancellationToken).ConfigureAwait(false);
            LogStarted(membership.Current);
            return;
        }

        lifetime.ApplicationStarted.Register(() =>
        {
            lock (_gate)
            {
                if (_leaving is null)
                {
                    _joining = JoinAsync(membership);
                }
            }
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Leave();

    private async Task JoinAsync(IMembershipProvider membership)
    {
        try
        {
            await membership.StartAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
            LogStarted(membership.Current);
        }
        catch (Exception e) when (!lifetime.ApplicationStopping.IsCancellationRequested)
        {
            LogJoinFailed(e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private Task Leave()
    {
        lock (_gate)
        {
            return _leaving ??= LeaveAsync(_joining);
        }
    }

    private async Task LeaveAsync(Task joining)
    {
        try
        {
            // A join that failed or was cancelled by the stop has nothing to undo but is disposed all the same.
            await joining.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
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

    [LoggerMessage(EventId = 12, Level = LogLevel.Critical, Message = "This silo could not join the cluster; stopping")]
    private partial void LogJoinFailed(Exception exception);
}
