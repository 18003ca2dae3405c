namespace Perms.Gateway.Health;

/// <summary>
/// Whether this process can answer checks (policy loaded, database reachable), for grpc.health.v1.Health. The silo's
/// database probe and shutdown set it; Watch streams wait on it.
/// </summary>
public sealed class HealthReporter
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _serving;
    private bool _stopping;

    /// <summary>Whether checks can be answered now.</summary>
    public bool IsServing
    {
        get
        {
            lock (_gate)
            {
                return _serving;
            }
        }
    }

    /// <summary>Whether the process is shutting down: NOT_SERVING for good, and Watch streams end.</summary>
    public bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _stopping;
            }
        }
    }

    /// <summary>Completes at the next change of <see cref="IsServing"/>.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>
    /// Shutdown has begun: NOT_SERVING from now on, whatever the probes say, so load balancers stop sending calls while
    /// the ones in flight drain; watchers are told and their streams end (an open Watch would otherwise hold the drain).
    /// </summary>
    public void MarkStopping()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            _stopping = true;
            _serving = false;
            wake = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }

    /// <summary>Sets the status; wakes watchers when it changes. Ignored once <see cref="MarkStopping"/> was called.</summary>
    public void SetServing(bool serving)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (!_stopping && _serving != serving)
            {
                _serving = serving;
                wake = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        wake?.TrySetResult();
    }
}
