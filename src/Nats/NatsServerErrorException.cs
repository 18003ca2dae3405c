namespace Perms.Nats;

/// <summary>The server answered with <c>-ERR</c>.</summary>
public sealed class NatsServerErrorException : NatsException
{
    /// <summary>Creates the exception for the server's error text.</summary>
    /// <param name="serverMessage">The text of the <c>-ERR</c> line, without the quotes.</param>
    public NatsServerErrorException(string serverMessage)
        : base(FormatMessage(serverMessage))
    {
        ServerMessage = serverMessage;
        IsConfigurationError = IsAuthorizationViolation;
    }

    /// <summary>The text of the <c>-ERR</c> line, without the quotes, e.g. <c>Authorization Violation</c>.</summary>
    public string ServerMessage { get; }

    /// <summary>The server refused the credentials (token, user/password), their lack, or their expiry.</summary>
    public bool IsAuthorizationViolation =>
        ServerMessage.Contains("Authorization Violation", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.Contains("Authentication Expired", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The server keeps the connection open after this error (a permissions violation, an invalid subject, too many
    /// subscriptions); it closes it after any other.
    /// </summary>
    public bool KeepsConnection =>
        ServerMessage.StartsWith("Permissions Violation", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("Invalid Subject", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("Invalid Publish Subject", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("Maximum Subscriptions Exceeded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The server refused a subscription (permissions, subject, or count): its messages will not arrive.</summary>
    public bool RefusesSubscription =>
        ServerMessage.StartsWith("Permissions Violation for Subscription", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("Invalid Subject", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("Maximum Subscriptions Exceeded", StringComparison.OrdinalIgnoreCase);

    private static string FormatMessage(string serverMessage) =>
        serverMessage.Contains("Authorization Violation", StringComparison.OrdinalIgnoreCase)
            ? $"The NATS server refused the credentials: -ERR '{serverMessage}'. Check NatsOptions.Token, or User and Password, against the server's authorization settings."
            : $"The NATS server answered -ERR '{serverMessage}'.";
}
