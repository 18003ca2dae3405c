using Microsoft.Extensions.Options;
using Npgsql;
using Perms.Gateway.Health;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Configuration;

/// <summary>
/// Keeps the health status true to whether checks can be answered: SERVING while a trivial query on the Better Auth
/// database succeeds (the policy is loaded before the host starts), NOT_SERVING otherwise and from the start of
/// shutdown, so Kubernetes stops routing before the process stops answering.
/// </summary>
internal sealed partial class DatabaseHealthProbe(
    NpgsqlDataSource dataSource,
    HealthReporter reporter,
    IOptions<ServerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<DatabaseHealthProbe> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lifetime.ApplicationStopping.Register(reporter.MarkStopping);
        try
        {
            await ProbeUntilStoppedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // The host stops when a background service fails; the process must not then exit 0 as after a SIGTERM.
            LogProbeCrashed(e);
            Environment.ExitCode = 1;
            throw;
        }
    }

    private async Task ProbeUntilStoppedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthProbeInterval);
        do
        {
            var serving = await ProbeAsync(stoppingToken).ConfigureAwait(false);
            if (serving != reporter.IsServing && !stoppingToken.IsCancellationRequested)
            {
                if (serving)
                {
                    LogServing();
                }
                else
                {
                    LogNotServing();
                }

                reporter.SetServing(serving);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<bool> ProbeAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                LogProbeFailed(e.Message);
            }

            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health is now SERVING: the database answers")]
    private partial void LogServing();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health is now NOT_SERVING: the database does not answer (see the debug log for why)")]
    private partial void LogNotServing();

    [LoggerMessage(Level = LogLevel.Critical, Message = "The database probe behind the health status failed unexpectedly; stopping")]
    private partial void LogProbeCrashed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Database probe failed: {Reason}")]
    private partial void LogProbeFailed(string reason);
}
