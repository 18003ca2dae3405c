namespace Perms.Nats;

/// <summary>Where a <see cref="NatsConnection"/> is in its life.</summary>
public enum NatsConnectionState
{
    /// <summary>Created; <see cref="NatsConnection.ConnectAsync"/> has not been called yet.</summary>
    Disconnected,

    /// <summary>Trying to connect for the first time.</summary>
    Connecting,

    /// <summary>Connected: the server answered CONNECT and every subscription is active.</summary>
    Connected,

    /// <summary>The connection was lost; trying to connect again (with back-off).</summary>
    Reconnecting,

    /// <summary>Disposed or drained; it does not connect again.</summary>
    Closed,
}
