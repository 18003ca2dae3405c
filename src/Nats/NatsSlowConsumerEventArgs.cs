namespace Perms.Nats;

/// <summary>The arguments of <see cref="NatsConnection.SlowConsumer"/>.</summary>
/// <param name="subject">The subscription's subject (as subscribed, wildcards and all).</param>
/// <param name="queueGroup">The subscription's queue group, if any.</param>
/// <param name="dropped">How many messages the subscription has dropped in total.</param>
public sealed class NatsSlowConsumerEventArgs(string subject, string? queueGroup, long dropped) : EventArgs
{
    /// <summary>The subscription's subject (as subscribed, wildcards and all).</summary>
    public string Subject { get; } = subject;

    /// <summary>The subscription's queue group, if any.</summary>
    public string? QueueGroup { get; } = queueGroup;

    /// <summary>How many messages the subscription has dropped in total, this one included.</summary>
    public long Dropped { get; } = dropped;
}
