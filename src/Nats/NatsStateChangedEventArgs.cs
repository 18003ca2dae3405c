namespace Perms.Nats;

/// <summary>The arguments of <see cref="NatsConnection.StateChanged"/>.</summary>
/// <param name="previous">The state before the change.</param>
/// <param name="current">The state now.</param>
/// <param name="isReconnect">True when <paramref name="current"/> is Connected after a lost connection.</param>
/// <param name="error">What ended the previous connection or attempt, if anything.</param>
public sealed class NatsStateChangedEventArgs(NatsConnectionState previous, NatsConnectionState current, bool isReconnect, Exception? error) : EventArgs
{
    /// <summary>The state before the change.</summary>
    public NatsConnectionState Previous { get; } = previous;

    /// <summary>The state now.</summary>
    public NatsConnectionState Current { get; } = current;

    /// <summary>
    /// True when <see cref="Current"/> is <see cref="NatsConnectionState.Connected"/> after a lost connection: every
    /// subscription was sent again and the server has answered a PING since, so they are active.
    /// </summary>
    public bool IsReconnect { get; } = isReconnect;

    /// <summary>What ended the previous connection (for Reconnecting) or the failure that led here; null otherwise.</summary>
    public Exception? Error { get; } = error;
}
