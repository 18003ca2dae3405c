namespace Perms.Silo.Events;

/// <summary>The change-event consumer's log messages.</summary>
internal static partial class EventLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a change event on {Subject}: {Problem} ({Suppressed} similar messages suppressed since the last one)")]
    public static partial void Dropped(ILogger logger, string subject, string problem, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applied a change event on {Subject} with problems the publisher should fix: {Problems} ({Suppressed} similar messages suppressed since the last one)")]
    public static partial void AppliedWithWarnings(ILogger logger, string subject, string problems, long suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied a change event on {Subject}: {Deactivated} activations deactivated")]
    public static partial void Applied(ILogger logger, string subject, int deactivated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Every grain loaded so far is treated as stale: {Reason}")]
    public static partial void MarkedAllStale(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to change events on NATS {Server} (subjects {Subjects})")]
    public static partial void Subscribed(ILogger logger, string server, string subjects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change-event connection to NATS is {State}: until it is back, cached state is bounded only by the maximum staleness. {Error}")]
    public static partial void Disconnected(ILogger logger, string state, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change events arrive faster than they are applied: {Dropped} dropped so far on {Subject}; every grain is treated as stale")]
    public static partial void SlowConsumer(ILogger logger, string subject, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying a change event on {Subject} failed; every grain is treated as stale")]
    public static partial void ApplyFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Cannot subscribe to change events on NATS {Url}: {Reason}. Fix Perms:Events (credentials, TLS files); retrying in the background, and until then cached state is bounded only by the maximum staleness")]
    public static partial void CannotConnect(ILogger logger, string url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change events are off (Perms:Events:Enabled=false): cached state is bounded only by the maximum staleness ({MaxStaleness})")]
    public static partial void Disabled(ILogger logger, TimeSpan maxStaleness);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained the change-event subscription: NATS stopped sending, and every message received was applied")]
    public static partial void Drained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining the change-event subscription did not finish ({Reason}); closing the connection")]
    public static partial void DrainFailed(ILogger logger, string reason);
}
