using Perms.Grains.Interfaces.Data;
using Npgsql;

namespace Perms.Grains.Data;

/// <summary>
/// Checks that the configured tables and columns exist and are readable by the connecting role, and that the
/// required indexes exist; says exactly what is missing and the DDL that creates each missing index. Reads only the
/// system catalogs.
/// </summary>
public sealed class SchemaInspector(NpgsqlDataSource dataSource, TableLayout layout)
{
    private const string ColumnsSql = """
        SELECT a.attname, has_column_privilege(c.oid, a.attnum, 'SELECT')
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        """;

    // Each index's key columns in order: only the first indnkeyatts entries of indkey are keys (the rest are INCLUDE
    // columns, which cannot serve a lookup); an expression column (attnum 0) stays in place as NULL and matches nothing.
    private const string IndexesSql = """
        SELECT ARRAY(SELECT a.attname FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord)
                     LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
                     ORDER BY k.ord)
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND i.indisvalid AND i.indpred IS NULL
        """;

    /// <summary>Runs the check. An empty list means everything is in place.</summary>
    public async Task<IReadOnlyList<SchemaFinding>> CheckAsync(CancellationToken cancellationToken)
    {
        var findings = new List<SchemaFinding>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var recovery = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection))
        {
            if ((bool)(await recovery.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                // A standby may not yet have replayed a change whose event already arrived: a load after the event
                // would install the state from before it. Invalidation is only sound against the primary.
                findings.Add(new(SchemaSeverity.Error, "the database is a standby (pg_is_in_recovery() is true): connect Perms to the primary, or change events can be followed by loads of the state before them"));
            }
        }

        var presentTables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (table, logicalColumns) in TableLayout.Model)
        {
            var columns = await ReadColumnsAsync(connection, layout.Table(table), cancellationToken).ConfigureAwait(false);
            if (columns.Count == 0)
            {
                findings.Add(new(SchemaSeverity.Error, $"table {Describe(table)} does not exist (or the role cannot see it); set Perms:Database:Tables:{table} or the layout"));
                continue;
            }

            presentTables.Add(table);
            foreach (var column in logicalColumns)
            {
                var physical = layout.Column(table, column);
                if (!columns.TryGetValue(physical, out var readable))
                {
                    findings.Add(new(SchemaSeverity.Error, $"column {Describe(table)}.{TableLayout.Quote(physical)} ({table}.{column}) does not exist; set Perms:Database:Columns:{table}:{column} or the layout"));
                }
                else if (!readable)
                {
                    findings.Add(new(SchemaSeverity.Error, $"column {Describe(table)}.{TableLayout.Quote(physical)} is not readable by the connecting role; GRANT SELECT ON {layout.QualifiedTable(table)} TO <role>"));
                }
            }
        }

        foreach (var index in RequiredIndex.All.Where(i => presentTables.Contains(i.Table)))
        {
            var wanted = index.Columns.Select(c => layout.Column(index.Table, c)).ToArray();
            var existing = await ReadIndexesAsync(connection, layout.Table(index.Table), cancellationToken).ConfigureAwait(false);
            if (!existing.Any(keys => keys.Length >= wanted.Length && keys.Take(wanted.Length).SequenceEqual(wanted, StringComparer.Ordinal)))
            {
                var name = TableLayout.Quote(Truncate($"{layout.Table(index.Table)}_{string.Join("_", wanted)}_perms_idx"));
                findings.Add(new(
                    SchemaSeverity.MissingIndex,
                    $"no index on {Describe(index.Table)} ({string.Join(", ", wanted.Select(TableLayout.Quote))}) — {index.Why}",
                    $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {layout.QualifiedTable(index.Table)} ({string.Join(", ", wanted.Select(TableLayout.Quote))});"));
            }
        }

        return findings;
    }

    private async Task<Dictionary<string, bool>> ReadColumnsAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ColumnsSql, connection) { Parameters = { new() { Value = layout.Schema }, new() { Value = table } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, bool>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns[reader.GetString(0)] = reader.GetBoolean(1);
        }

        return columns;
    }

    private async Task<List<string[]>> ReadIndexesAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(IndexesSql, connection) { Parameters = { new() { Value = layout.Schema }, new() { Value = table } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var indexes = new List<string[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            indexes.Add(reader.GetFieldValue<string?[]>(0).Select(c => c ?? "").ToArray());
        }

        return indexes;
    }

    private string Describe(string table) => $"{layout.QualifiedTable(table)} ({table})";

    /// <summary>
    /// PostgreSQL cuts identifiers at 63 bytes, so a long name would silently collide with another (and IF NOT EXISTS
    /// would then skip it): past the limit, keep a prefix and add a hash of the whole name.
    /// </summary>
    private static string Truncate(string name)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        var prefix = name;
        while (System.Text.Encoding.UTF8.GetByteCount(prefix) > 63 - 9)
        {
            prefix = prefix[..^1];
        }

        if (char.IsHighSurrogate(prefix[^1]))
        {
            prefix = prefix[..^1];
        }

        return $"{prefix}_{hash}";
    }
}
