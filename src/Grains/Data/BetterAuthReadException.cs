namespace Perms.Grains.Data;

/// <summary>Better Auth's tables could not be read (database down, timeout, missing table, bad row). Maps to UNAVAILABLE or FAILED_PRECONDITION, never to a decision.</summary>
public sealed class BetterAuthReadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BetterAuthReadException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException) => IsTransient = isTransient;

    /// <summary>True when retrying later may succeed (connection lost, timeout); false for broken data or schema.</summary>
    public bool IsTransient { get; }
}
