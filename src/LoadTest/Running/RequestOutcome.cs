namespace Perms.LoadTest.Running;

/// <summary>How one request ended.</summary>
internal enum RequestOutcome
{
    /// <summary>Answered, and the answer agrees with the ground truth (or the target does not judge answers).</summary>
    Correct,

    /// <summary>Answered, and the answer contradicts what the ground truth and the consistency contract allow.</summary>
    Wrong,

    /// <summary>Not answered: a gRPC status other than OK, an HTTP error, a timeout, a broken connection.</summary>
    Error,
}
