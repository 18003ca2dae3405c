using Perms.Grains.Interfaces.Data;

namespace Perms.Silo.Configuration;

/// <summary>How Perms reaches Better Auth's tables (configuration section <c>Perms:Database</c>).</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Database";

    /// <summary>
    /// Npgsql connection string of a SELECT-only role (<c>Perms__Database__ConnectionString</c>). Required.
    /// Perms adds <c>default_transaction_read_only=on</c> and the statement timeout to the session options.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Table layout preset: <c>better-auth-default</c> (default), <c>plural-snake</c> or <c>use-plural</c>.</summary>
    public string Layout { get; set; } = TableLayout.BetterAuthDefault;

    /// <summary>The PostgreSQL schema of Better Auth's tables. Default <c>public</c>.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>Per-table overrides: logical table (<c>user</c>, <c>member</c>, …) → physical name.</summary>
    public Dictionary<string, string> Tables { get; set; } = [];

    /// <summary>Per-column overrides: logical table → (logical column, e.g. <c>userId</c> → physical name).</summary>
    public Dictionary<string, Dictionary<string, string>> Columns { get; set; } = [];

    /// <summary>Server-side bound on each load statement. Default 2 s; between 1 ms and 5 min.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether a missing required index stops start-up (<c>Fail</c>) or only logs (<c>Warn</c>, the default).</summary>
    public MissingIndexPolicy MissingIndexes { get; set; } = MissingIndexPolicy.Warn;

    /// <summary>Whether to run the schema check at start-up. Default true.</summary>
    public bool CheckSchemaAtStartup { get; set; } = true;
}
