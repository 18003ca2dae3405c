using Npgsql;
using Perms.Silo.Configuration;

namespace Perms.Silo.Clustering;

/// <summary>
/// Creates (or brings up to date) the tables and named queries Orleans' ADO.NET clustering reads, in Perms' own schema.
/// The package ships no scripts; ours is <c>Clustering/Sql/orleans-membership-postgres.sql</c>, embedded. Idempotent:
/// every statement may run again, and concurrent runs (several pods' init containers) take turns on an advisory lock.
/// </summary>
public static class MembershipMigration
{
    // Any fixed 64-bit key: serialises concurrent migrations of one database.
    private const long AdvisoryLockKey = 0x5045524d534f524c; // "PERMSORL"

    /// <summary>The migration script.</summary>
    public static string Script
    {
        get
        {
            using var stream = typeof(MembershipMigration).Assembly.GetManifestResourceStream("Perms.Silo.Clustering.orleans-membership-postgres.sql")
                ?? throw new InvalidOperationException("the membership migration script is not embedded in this build");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Applies the migration to <see cref="OrleansSiloOptions.Schema"/> through <see cref="OrleansSiloOptions.ConnectionString"/>.</summary>
    /// <exception cref="NpgsqlException">PostgreSQL refused or could not be reached.</exception>
    public static async Task ApplyAsync(OrleansSiloOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var schema = new NpgsqlCommandBuilder().QuoteIdentifier(options.Schema);
        await using (var prepare = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLockKey}); CREATE SCHEMA IF NOT EXISTS {schema}; SET LOCAL search_path TO {schema};", connection, transaction))
        {
            await prepare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var migrate = new NpgsqlCommand(Script, connection, transaction))
        {
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
