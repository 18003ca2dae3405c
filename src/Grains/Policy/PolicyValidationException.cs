namespace Perms.Grains.Policy;

/// <summary>A policy file that cannot be used; <see cref="Errors"/> lists every problem found.</summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> (a path or a name).</summary>
    public PolicyValidationException(string source, IReadOnlyList<PolicyError> errors)
        : base(FormatMessage(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    /// <summary>The policy file's path or name.</summary>
    public new string Source { get; }

    /// <summary>Every problem, in document order.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    private static string FormatMessage(string source, IReadOnlyList<PolicyError> errors) =>
        $"The policy {source} is invalid ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}):"
        + string.Concat(errors.Select(e => Environment.NewLine + "  " + source + ": " + e));
}
