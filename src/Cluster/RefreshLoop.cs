using Microsoft.Extensions.Logging;

namespace Perms.Cluster;

/// <summary>Runs a provider's refresh every interval on a background task until disposed.</summary>
internal sealed class RefreshLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    /// <summary>Starts the loop; the first refresh runs one interval from now.</summary>
    public RefreshLoop(TimeSpan interval, TimeProvider timeProvider, Func<CancellationToken, Task> refresh, ILogger logger) =>
        _loop = RunAsync(interval, timeProvider, refresh, logger, _stopping.Token);

    /// <summary>Stops the loop and waits for a refresh in progress to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static async Task RunAsync(
        TimeSpan interval,
        TimeProvider timeProvider,
        Func<CancellationToken, Task> refresh,
        ILogger logger,
        CancellationToken stopping)
    {
        // Yield first so the constructor returns before the loop does any work.
        await Task.Yield();
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await refresh(stopping).ConfigureAwait(false);
                }
                catch (Exception exception) when (!stopping.IsCancellationRequested)
                {
                    // One failed refresh (or a throwing Changed handler) must not end discovery for the process' life.
                    logger.RefreshFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposal: the normal end of the loop.
        }
    }
}
