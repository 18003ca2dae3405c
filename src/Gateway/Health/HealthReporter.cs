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

    /// <summary>Sets the status; wakes watchers when it changes.</summary>
    public void SetServing(bool serving)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (_serving != serving)
            {
                _serving = serving;
                wake = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        wake?.TrySetResult();
    }
}
