using Perms.Grains.Interfaces.Data;
using System.Collections.Immutable;
using System.Data;
using Npgsql;
using NpgsqlTypes;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;

namespace Perms.Grains.Data;

/// <summary>
/// Reads Better Auth's tables through a pooled <see cref="NpgsqlDataSource"/> (see <see cref="BetterAuthDataSource"/>),
/// each load in one REPEATABLE READ, READ ONLY transaction so its statements see one snapshot, in one round trip
/// for the reads plus one for the commit.
/// </summary>
public sealed class PostgresBetterAuthReader : IBetterAuthReader
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly BetterAuthQueries _queries;

    /// <summary>Creates a reader over <paramref name="dataSource"/> for the tables named by <paramref name="layout"/>.</summary>
    public PostgresBetterAuthReader(NpgsqlDataSource dataSource, TableLayout layout)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layout);
        _dataSource = dataSource;
        _queries = new BetterAuthQueries(layout);
    }

    /// <inheritdoc />
    public async Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken)
    {
        CheckId(userId, nameof(userId));
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Command(_queries.User, userId),
                    Command(_queries.Memberships, userId),
                    Command(_queries.Teams, userId),
                },
            };

            // Npgsql raises an error of the first statement from ExecuteReader, later ones from NextResult: only the
            // first compares the id with the table's own id column, so only there does 22P02 mean "no such id".
            var reader = await ExecuteOrNullAsync(batch, cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return new UserSnapshot(userId, null, [], DateTimeOffset.UtcNow);
            }

            await using var _ = reader;
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var readAt = new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero);
            var user = reader.GetBoolean(1) ? ReadUser(reader, userId) : null;

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var roles = new List<(string OrganizationId, string? Role)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                roles.Add((reader.GetString(0), reader.IsDBNull(1) ? null : ReadText(reader, 1, "member", "role", userId)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var teams = new List<(string OrganizationId, string TeamId)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                teams.Add((reader.GetString(0), reader.GetString(1)));
            }

            await reader.DisposeAsync().ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new UserSnapshot(userId, user, Group(roles, teams), readAt);
        }
        catch (Exception e) when (Translate(e, $"user \"{Shorten(userId)}\"") is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public async Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken)
    {
        CheckId(organizationId, nameof(organizationId));
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(_queries.Organization, organizationId) } };
            if (includeDynamicRoles)
            {
                batch.BatchCommands.Add(Command(_queries.DynamicRoles, organizationId));
            }

            var reader = await ExecuteOrNullAsync(batch, cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return new OrganizationSnapshot(organizationId, false, [], DateTimeOffset.UtcNow);
            }

            await using var _ = reader;
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var readAt = new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero);
            var exists = reader.GetBoolean(1);

            var rows = ImmutableArray.CreateBuilder<DynamicRoleRow>();
            if (includeDynamicRoles)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var id = reader.GetString(0);
                    rows.Add(new DynamicRoleRow(
                        id,
                        organizationId,
                        reader.IsDBNull(1) ? "" : ReadText(reader, 1, "organizationRole", "role", id),
                        reader.IsDBNull(2) ? null : ReadText(reader, 2, "organizationRole", "permission", id)));
                }
            }

            await reader.DisposeAsync().ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new OrganizationSnapshot(organizationId, exists, rows.ToImmutable(), readAt);
        }
        catch (Exception e) when (Translate(e, $"organization \"{Shorten(organizationId)}\"") is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Runs the batch; null when its first statement fails with 22P02 because the id cannot be converted to the id
    /// column's type (uuid or integer ids): no row can have such an id. The same error from a later statement means
    /// two columns disagree on their type — a schema problem, reported as such.
    /// </summary>
    private static async Task<NpgsqlDataReader?> ExecuteOrNullAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            return await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidTextRepresentation)
        {
            return null;
        }
    }

    private static NpgsqlBatchCommand Command(string sql, string id) =>
        // Unknown type: PostgreSQL infers it from the column, so text and uuid id columns both compare.
        new(sql) { Parameters = { new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Unknown } } };

    private static UserRecord ReadUser(NpgsqlDataReader reader, string userId)
    {
        var role = reader.IsDBNull(2) ? null : ReadText(reader, 2, "user", "role", userId);
        bool banned;
        DateTimeOffset? banExpires;
        try
        {
            banned = !reader.IsDBNull(3) && reader.GetBoolean(3);
        }
        catch (InvalidCastException e)
        {
            throw new BetterAuthReadException($"column user.banned of user \"{Shorten(userId)}\" is {reader.GetDataTypeName(3)}, expected boolean", isTransient: false, e);
        }

        try
        {
            banExpires = reader.IsDBNull(4) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc));
        }
        catch (InvalidCastException e)
        {
            throw new BetterAuthReadException($"column user.banExpires of user \"{Shorten(userId)}\" is {reader.GetDataTypeName(4)}, expected a timestamp", isTransient: false, e);
        }

        // The row's own spelling of the id (uuid columns accept other spellings of the same value), so adminUserIds
        // compare as Better Auth compares them.
        return new UserRecord(reader.GetString(5), role, banned, banExpires);
    }

    private static string ReadText(NpgsqlDataReader reader, int ordinal, string table, string column, string rowKey)
    {
        try
        {
            return reader.GetString(ordinal);
        }
        catch (InvalidCastException e)
        {
            throw new BetterAuthReadException($"column {table}.{column} (row \"{Shorten(rowKey)}\") is {reader.GetDataTypeName(ordinal)}, expected text", isTransient: false, e);
        }
    }

    private static ImmutableArray<MembershipRecord> Group(List<(string OrganizationId, string? Role)> roles, List<(string OrganizationId, string TeamId)> teams)
    {
        var teamsByOrganization = teams.ToLookup(t => t.OrganizationId, t => t.TeamId, StringComparer.Ordinal);
        return [.. roles
            .GroupBy(r => r.OrganizationId, StringComparer.Ordinal)
            .Select(g => new MembershipRecord(g.Key, [.. g.Select(r => r.Role)], [.. teamsByOrganization[g.Key].Distinct(StringComparer.Ordinal)]))];
    }

    private static void CheckId(string id, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, name);
        if (id.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL text cannot hold NUL, so no row can match; the gateway rejects such ids before they get here.
            throw new ArgumentException("an id cannot contain a NUL character", name);
        }
    }

    private static BetterAuthReadException? Translate(Exception exception, string subject) => exception switch
    {
        BetterAuthReadException => null,
        OperationCanceledException => null,
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.InsufficientPrivilege } e =>
            new BetterAuthReadException($"reading {subject}: {e.MessageText}; check the table layout (perms schema check) and the database role's SELECT grants", isTransient: false, e),
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } e =>
            new BetterAuthReadException($"reading {subject}: the statement timeout passed", isTransient: true, e),
        NpgsqlException e => new BetterAuthReadException($"reading {subject}: {e.Message}", e.IsTransient || e is not PostgresException, e),
        TimeoutException e => new BetterAuthReadException($"reading {subject}: {e.Message}", isTransient: true, e),
        _ => null,
    };

    private static string Shorten(string id) => id.Length <= 80 ? id : id[..80] + "…";
}
