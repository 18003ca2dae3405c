namespace Perms.Nats;

/// <summary>A snapshot of a <see cref="NatsConnection"/>'s counters, over its whole life (all reconnects included).</summary>
public sealed record NatsStatistics
{
    /// <summary>Messages (MSG and HMSG) received from the server, dropped ones included.</summary>
    public long MessagesIn { get; init; }

    /// <summary>Payload bytes (headers included) of <see cref="MessagesIn"/>.</summary>
    public long BytesIn { get; init; }

    /// <summary>Messages published (queued for the socket; a lost connection loses what was not yet written).</summary>
    public long MessagesOut { get; init; }

    /// <summary>Payload bytes (headers included) of <see cref="MessagesOut"/>.</summary>
    public long BytesOut { get; init; }

    /// <summary>Messages dropped because a subscription's hand-off was full (the sum over all subscriptions).</summary>
    public long MessagesDropped { get; init; }

    /// <summary>Exceptions thrown by subscription handlers (each was logged; the subscription went on).</summary>
    public long HandlerErrors { get; init; }

    /// <summary>Connections made again after one was lost.</summary>
    public long Reconnects { get; init; }

    /// <summary>Established connections lost (not counting <see cref="NatsConnection.DisposeAsync"/>).</summary>
    public long Disconnects { get; init; }
}
