namespace Perms.Silo.Configuration;

/// <summary>Where the policy comes from (configuration section <c>Perms:Policy</c>).</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Policy";

    /// <summary>
    /// Path of the policy file (docs/policy.md). Default: none, which means Better Auth's default statements and roles
    /// (policies/better-auth-default.json). Environment variable: <c>Perms__Policy__Path</c>.
    /// </summary>
    public string? Path { get; set; }
}
