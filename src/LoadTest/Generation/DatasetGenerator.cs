using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Perms.Grains.Interfaces.Data;

namespace Perms.LoadTest.Generation;

/// <summary>
/// Fills an existing Better Auth schema (created by Better Auth's own migration, in any layout Perms supports) with
/// synthetic users, organizations, members and dynamic roles through binary COPY. Deterministic from the seed.
/// </summary>
internal sealed class DatasetGenerator(NpgsqlDataSource dataSource, TableLayout layout, TextWriter log)
{
    private static readonly DateTime CreatedAt = DatasetRows.CreatedAt;

    public async Task GenerateAsync(DatasetSpec spec, bool replace, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var user = await ResolveAsync("user", ["id", "name", "email", "emailVerified", "createdAt", "updatedAt", "role", "banned", "banExpires"], cancellationToken).ConfigureAwait(false);
        var organization = await ResolveAsync("organization", ["id", "name", "slug", "createdAt"], cancellationToken).ConfigureAwait(false);
        var member = await ResolveAsync("member", ["id", "organizationId", "userId", "role", "createdAt"], cancellationToken).ConfigureAwait(false);
        var organizationRole = await ResolveAsync("organizationRole", ["id", "organizationId", "role", "permission", "createdAt"], cancellationToken).ConfigureAwait(false);
        var team = await ResolveAsync("team", ["id", "name", "memberCount", "organizationId", "createdAt"], cancellationToken).ConfigureAwait(false);
        var teamMember = await ResolveAsync("teamMember", ["id", "teamId", "userId", "createdAt"], cancellationToken).ConfigureAwait(false);

        await PrepareAsync(replace, cancellationToken).ConfigureAwait(false);

        // Users and organizations do not depend on each other: load them side by side, then what references them.
        await Task.WhenAll(
            CopyAsync("users", user, spec.Users, (writer, i) => WriteUserAsync(writer, spec, i), cancellationToken),
            CopyAsync("organizations", organization, spec.Organizations, (writer, i) => WriteOrganizationAsync(writer, i), cancellationToken)).ConfigureAwait(false);
        await Task.WhenAll(
            CopyMembersAsync(member, spec, cancellationToken),
            CopyTeamsAsync(team, teamMember, spec, cancellationToken),
            CopyAsync("dynamic roles", organizationRole, DatasetRows.OrganizationRoleCount(spec), (writer, i) => WriteDynamicRoleAsync(writer, spec, i), cancellationToken)).ConfigureAwait(false);

        var analyze = Stopwatch.StartNew();
        await using (var command = dataSource.CreateCommand(
            $"ANALYZE {string.Join(", ", TableLayout.Model.Keys.Select(layout.QualifiedTable))}"))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await log.WriteLineAsync($"analyze: {analyze.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
        await log.WriteLineAsync($"generated {spec.Users:N0} users, {spec.Organizations:N0} organizations, {spec.Memberships:N0} memberships in {total.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
    }

    private async Task PrepareAsync(bool replace, CancellationToken cancellationToken)
    {
        await using var count = dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM {layout.QualifiedTable("user")})");
        var hasRows = (bool)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (hasRows && !replace)
        {
            throw new InvalidOperationException($"{layout.QualifiedTable("user")} already has rows; pass --replace to empty the Better Auth tables first");
        }

        if (hasRows)
        {
            // CASCADE empties every table that references these (sessions, accounts, teams, invitations…).
            await using var truncate = dataSource.CreateCommand(
                $"TRUNCATE {string.Join(", ", TableLayout.Model.Keys.Select(layout.QualifiedTable))} CASCADE");
            await truncate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync("emptied the Better Auth tables (--replace)").ConfigureAwait(false);
        }
    }

    /// <summary>Finds each wanted column by Better Auth field name, whatever the layout's spelling (camelCase or snake_case).</summary>
    private async Task<ResolvedTable> ResolveAsync(string table, string[] fields, CancellationToken cancellationToken)
    {
        var physical = layout.Table(table);
        await using var command = dataSource.CreateCommand("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2");
        command.Parameters.Add(new() { Value = layout.Schema });
        command.Parameters.Add(new() { Value = physical });
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                columns[Normalize(name)] = name;
            }
        }

        if (columns.Count == 0)
        {
            throw new InvalidOperationException(
                $"table {layout.QualifiedTable(table)} does not exist: create the schema with Better Auth's migration first (see src/LoadTest/README.md)");
        }

        var resolved = fields.Select(f => columns.TryGetValue(Normalize(f), out var c)
            ? c
            : throw new InvalidOperationException($"table {layout.QualifiedTable(table)} has no column for Better Auth's field {f}")).ToArray();
        return new ResolvedTable(layout.QualifiedTable(table), resolved);
    }

    private static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private async Task CopyAsync(string what, ResolvedTable table, long rows, Func<NpgsqlBinaryImporter, long, Task> writeRow, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var connection = await OpenForCopyAsync(cancellationToken).ConfigureAwait(false);
        await using (var writer = await connection.BeginBinaryImportAsync(table.CopyStatement, cancellationToken).ConfigureAwait(false))
        {
            for (long i = 0; i < rows; i++)
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writeRow(writer, i).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await log.WriteLineAsync($"{what}: {rows:N0} rows in {stopwatch.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
    }

    private async Task<NpgsqlConnection> OpenForCopyAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The rows are consistent by construction; skipping the foreign-key triggers makes COPY several times
            // faster. Needs a superuser; without one the triggers simply run.
            await using var command = new NpgsqlCommand("SET session_replication_role = replica", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await log.WriteLineAsync("not a superuser: foreign keys are checked row by row (slower)").ConfigureAwait(false);
        }

        return connection;
    }

    private static async Task WriteUserAsync(NpgsqlBinaryImporter writer, DatasetSpec spec, long i)
    {
        var (_, role, banned, banExpires) = DatasetRows.User(spec, i);
        var id = DatasetSpec.UserId(i);

        await writer.WriteAsync(id, NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync($"User {i}", NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync($"{id}@load.test", NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(true, NpgsqlDbType.Boolean).ConfigureAwait(false);
        await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
        await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
        if (role is null)
        {
            await writer.WriteNullAsync().ConfigureAwait(false);
        }
        else
        {
            await writer.WriteAsync(role, NpgsqlDbType.Text).ConfigureAwait(false);
        }
        await writer.WriteAsync(banned, NpgsqlDbType.Boolean).ConfigureAwait(false);
        if (banExpires is { } expires)
        {
            await writer.WriteAsync(expires, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
        }
        else
        {
            await writer.WriteNullAsync().ConfigureAwait(false);
        }
    }

    private static async Task WriteOrganizationAsync(NpgsqlBinaryImporter writer, long i)
    {
        var id = DatasetSpec.OrganizationId(i);
        await writer.WriteAsync(id, NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync($"Organization {i}", NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync($"org-{i}", NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
    }

    private static async Task WriteDynamicRoleAsync(NpgsqlBinaryImporter writer, DatasetSpec spec, long i)
    {
        var row = DatasetRows.OrganizationRole(spec, i);
        await writer.WriteAsync(row.Id, NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(DatasetSpec.OrganizationId(row.Organization), NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(row.Role, NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(row.Permission, NpgsqlDbType.Text).ConfigureAwait(false);
        await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
    }

    private async Task CopyMembersAsync(ResolvedTable table, DatasetSpec spec, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        long rows = 0;
        await using var connection = await OpenForCopyAsync(cancellationToken).ConfigureAwait(false);
        await using (var writer = await connection.BeginBinaryImportAsync(table.CopyStatement, cancellationToken).ConfigureAwait(false))
        {
            foreach (var membership in DatasetRows.Memberships(spec))
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(membership.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.OrganizationId(membership.Organization), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.UserId(membership.User), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(membership.Role, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                rows++;
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await log.WriteLineAsync($"memberships: {rows:N0} rows in {stopwatch.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
    }

    private async Task CopyTeamsAsync(ResolvedTable teamTable, ResolvedTable teamMemberTable, DatasetSpec spec, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();

        // Better Auth keeps team.memberCount; count first so the teams carry it.
        var counts = new int[spec.Organizations];
        foreach (var membership in DatasetRows.Memberships(spec).Where(m => DatasetRows.InTeam(spec, m)))
        {
            counts[membership.Organization]++;
        }

        await using var connection = await OpenForCopyAsync(cancellationToken).ConfigureAwait(false);
        long teams = 0;
        await using (var writer = await connection.BeginBinaryImportAsync(teamTable.CopyStatement, cancellationToken).ConfigureAwait(false))
        {
            for (var organization = 0; organization < spec.Organizations; organization += DatasetSpec.TeamEvery)
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.TeamId(organization), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync($"Team of organization {organization}", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(counts[organization], NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.OrganizationId(organization), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                teams++;
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        long teamMembers = 0;
        await using (var writer = await connection.BeginBinaryImportAsync(teamMemberTable.CopyStatement, cancellationToken).ConfigureAwait(false))
        {
            foreach (var membership in DatasetRows.Memberships(spec).Where(m => DatasetRows.InTeam(spec, m)))
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync($"tm{membership.Index:D9}", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.TeamId(membership.Organization), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DatasetSpec.UserId(membership.User), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                teamMembers++;
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await log.WriteLineAsync($"teams: {teams:N0} teams, {teamMembers:N0} team members in {stopwatch.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
    }

    private sealed record ResolvedTable(string QualifiedName, string[] Columns)
    {
        public string CopyStatement => $"COPY {QualifiedName} ({string.Join(", ", Columns.Select(TableLayout.Quote))}) FROM STDIN (FORMAT BINARY)";
    }
}
