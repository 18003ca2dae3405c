namespace Perms.Nats;

/// <summary>
/// A NATS operation failed: not connected, a message over the server's <c>max_payload</c>, a connection that could not
/// be made or was lost. Subclasses say when the server refused something or spoke something unreadable.
/// </summary>
public class NatsException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public NatsException()
        : base("A NATS operation failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and, where known, what to do about it.</param>
    public NatsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What went wrong and, where known, what to do about it.</param>
    /// <param name="innerException">The cause.</param>
    public NatsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// A misconfiguration that retrying will not fix by itself (credentials refused, TLS validation, nkeys): the first
    /// <see cref="NatsConnection.ConnectAsync"/> fails with it instead of waiting.
    /// </summary>
    internal bool IsConfigurationError { get; init; }
}
