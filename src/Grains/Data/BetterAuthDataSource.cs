using Npgsql;

namespace Perms.Grains.Data;

/// <summary>Builds the pooled data source Perms reads Better Auth's tables through.</summary>
public static class BetterAuthDataSource
{
    /// <summary>
    /// A data source whose sessions are read-only by default and bounded by <paramref name="statementTimeout"/>, with
    /// auto-prepared statements and no reset on close (Perms sets no session state, and the reset costs ~80 µs per
    /// pooled open; measured in shared/design/wire-notes.md).
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString, TimeSpan statementTimeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            NoResetOnClose = true,
            MaxAutoPrepare = Math.Max(new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare, 16),
            AutoPrepareMinUsages = 2,
            CommandTimeout = (int)Math.Ceiling(statementTimeout.TotalSeconds) + 1,
            ApplicationName = new NpgsqlConnectionStringBuilder(connectionString).ApplicationName ?? "perms",
        };
        // Defence in depth beside the SELECT-only role: every transaction on these connections is read-only.
        var timeout = (long)Math.Ceiling(statementTimeout.TotalMilliseconds);
        settings.Options = $"{settings.Options} -c default_transaction_read_only=on -c statement_timeout={timeout}".Trim();
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
    }
}
