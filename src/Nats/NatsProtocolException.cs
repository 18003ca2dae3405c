namespace Perms.Nats;

/// <summary>The server sent something that is not the NATS protocol (an unknown operation, bad arguments, a size mismatch).</summary>
public sealed class NatsProtocolException : NatsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong, with the offending line (truncated).</param>
    public NatsProtocolException(string message)
        : base(message)
    {
    }
}
