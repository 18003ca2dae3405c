using Microsoft.Extensions.Logging;

namespace Perms.Nats.Internal;

/// <summary>The NATS client's log messages.</summary>
internal static partial class NatsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to NATS server {Server} (server id {ServerId}, version {Version})")]
    public static partial void Connected(ILogger logger, string server, string serverId, string version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Reconnected to NATS server {Server} (server id {ServerId}); {Subscriptions} subscriptions are active again. Messages published while disconnected were not received")]
    public static partial void Reconnected(ILogger logger, string server, string serverId, int subscriptions);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Connecting to NATS server {Server} failed (attempt {Attempt}), trying again in {Delay:0} ms: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string server, int attempt, string reason, double delay);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Lost the connection to NATS server {Server}, reconnecting: {Reason}")]
    public static partial void Disconnected(ILogger logger, string server, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error,
        Message = "NATS server {Server} broke the protocol: {Problem} If this repeats, check that the address is a NATS client port and nothing in between rewrites the stream")]
    public static partial void ProtocolError(ILogger logger, string server, string problem);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "NATS server {Server} answered -ERR '{Error}'; the connection stays open. Check the account's permissions and the subjects used")]
    public static partial void ServerError(ILogger logger, string server, string error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error,
        Message = "NATS server {Server} refused a subscription: -ERR '{Error}'. Messages on that subject will not arrive on this connection: grant the account the subscription (or fix the subject) and restart")]
    public static partial void SubscriptionRefused(ILogger logger, string server, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "NATS subscription {Subject} is a slow consumer: {Capacity} messages wait for its handler, so new ones are dropped ({Dropped} so far). Make the handler faster or raise NatsOptions.SubscriptionCapacity")]
    public static partial void SlowConsumer(ILogger logger, string subject, int capacity, long dropped);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The handler of NATS subscription {Subject} threw on a message to {MessageSubject}; the message is skipped and the subscription goes on")]
    public static partial void HandlerFailed(ILogger logger, string subject, string messageSubject, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "A {Event} event handler of the NATS connection threw; event handlers should not throw")]
    public static partial void EventHandlerFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "NATS server {Server} is in lame duck mode: it is about to shut down, and the connection will move to another server when it does")]
    public static partial void LameDuckMode(ILogger logger, string server);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Closed the NATS connection {Name}")]
    public static partial void Closed(ILogger logger, string name);

    [LoggerMessage(EventId = 12, Level = LogLevel.Critical, Message = "The NATS connection loop failed unexpectedly; it goes on after a back-off")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
