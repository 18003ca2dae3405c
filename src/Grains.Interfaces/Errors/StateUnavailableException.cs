namespace Perms.Grains.Interfaces.Errors;

/// <summary>
/// The state behind a check could not be loaded now (database down, timeout, back-off after a failure). Maps to gRPC
/// UNAVAILABLE; retrying later may succeed. Never a decision.
/// </summary>
[GenerateSerializer]
[Alias("perms.StateUnavailableException")]
public sealed class StateUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StateUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
