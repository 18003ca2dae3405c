namespace Perms.Grains.Interfaces.Errors;

/// <summary>
/// The stored data or schema cannot be used (a malformed dynamic role, a missing table, a column of the wrong type).
/// Maps to gRPC FAILED_PRECONDITION; retrying will not help until the data is fixed. Never a decision.
/// </summary>
[GenerateSerializer]
[Alias("perms.InvalidStateException")]
public class InvalidStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidStateException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
