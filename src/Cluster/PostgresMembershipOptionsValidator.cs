using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Perms.Cluster;

/// <summary>Checks <see cref="PostgresMembershipOptions"/>, reporting every problem at once with its fix.</summary>
public sealed partial class PostgresMembershipOptionsValidator : IValidateOptions<PostgresMembershipOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, PostgresMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("ConnectionString is not set. Set it to an Npgsql connection string, e.g. Host=db;Database=app;Username=perms.");
        }

        if (!SchemaName().IsMatch(options.Schema ?? string.Empty))
        {
            failures.Add($"Schema '{options.Schema}' is not a lower-case SQL identifier. Use letters, digits and underscores, e.g. perms.");
        }
        else if (options.Schema is "public" or "pg_catalog" or "information_schema")
        {
            // Better Auth's tables live in public: Perms keeps its own state apart from the data it only reads.
            failures.Add($"Schema '{options.Schema}' is not Perms' own. Use a schema of Perms' own, e.g. perms.");
        }

        if (options.Self is null && !options.ObserveOnly)
        {
            failures.Add("Self is not set. Set it to this silo's internal address (host:port), e.g. from the POD_IP environment variable.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add($"HeartbeatInterval {options.HeartbeatInterval} must be positive, e.g. 00:00:05.");
        }
        else if (options.EffectiveSuspicionTimeout <= options.HeartbeatInterval)
        {
            failures.Add($"SuspicionTimeout {options.EffectiveSuspicionTimeout} must exceed HeartbeatInterval {options.HeartbeatInterval}, e.g. three intervals (leave it unset for that).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
