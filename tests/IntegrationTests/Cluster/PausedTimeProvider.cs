namespace Perms.IntegrationTests.Cluster;

/// <summary>A clock whose timers never fire, so a test drives each provider's refresh itself.</summary>
public sealed class PausedTimeProvider : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new PausedTimer();

    private sealed class PausedTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
