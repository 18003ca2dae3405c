using System.Collections.Frozen;
using System.Text;

namespace Perms.Grains.Interfaces.Data;

/// <summary>
/// The physical names of the Better Auth tables and columns Perms reads. Better Auth lets an app rename every table
/// and column (<c>modelName</c>, <c>fields</c>, plugin <c>schema</c>), so names come from a preset plus overrides.
/// Every name is validated and always quoted, so configuration can never inject SQL.
/// </summary>
public sealed class TableLayout
{
    /// <summary>Better Auth's own migration: singular tables, camelCase columns.</summary>
    public const string BetterAuthDefault = "better-auth-default";

    /// <summary>The seed ADR's layout: plural snake_case tables and snake_case columns.</summary>
    public const string PluralSnake = "plural-snake";

    /// <summary>Better Auth's <c>usePlural</c>: plural tables, camelCase columns.</summary>
    public const string UsePlural = "use-plural";

    /// <summary>Logical table → logical columns that Perms reads (Better Auth's model and field names).</summary>
    public static FrozenDictionary<string, string[]> Model { get; } = new Dictionary<string, string[]>
    {
        ["user"] = ["id", "role", "banned", "banExpires"],
        ["member"] = ["id", "organizationId", "userId", "role", "createdAt"],
        ["organization"] = ["id"],
        ["organizationRole"] = ["id", "organizationId", "role", "permission"],
        ["team"] = ["id", "organizationId"],
        ["teamMember"] = ["teamId", "userId"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The presets by name.</summary>
    public static IReadOnlyList<string> Presets { get; } = [BetterAuthDefault, PluralSnake, UsePlural];

    private readonly FrozenDictionary<string, string> _tables;
    private readonly FrozenDictionary<string, string> _columns;

    private TableLayout(string schema, Dictionary<string, string> tables, Dictionary<string, string> columns)
    {
        Schema = schema;
        _tables = tables.ToFrozenDictionary(StringComparer.Ordinal);
        _columns = columns.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The PostgreSQL schema holding the tables.</summary>
    public string Schema { get; }

    /// <summary>The physical name of a logical table, e.g. <c>member</c> → <c>members</c>.</summary>
    public string Table(string table) => _tables[table];

    /// <summary>The physical name of a logical column, e.g. (<c>member</c>, <c>userId</c>) → <c>user_id</c>.</summary>
    public string Column(string table, string column) => _columns[Key(table, column)];

    /// <summary>The schema-qualified, quoted table name for SQL.</summary>
    public string QualifiedTable(string table) => $"{Quote(Schema)}.{Quote(Table(table))}";

    /// <summary>The quoted column name for SQL.</summary>
    public string QuotedColumn(string table, string column) => Quote(Column(table, column));

    /// <summary>
    /// Builds a layout from a preset and per-name overrides. Every problem is collected into <paramref name="errors"/>
    /// with the configuration key that causes it; the result is null when there is any.
    /// </summary>
    /// <param name="preset">One of <see cref="Presets"/>.</param>
    /// <param name="schema">The PostgreSQL schema.</param>
    /// <param name="tables">Overrides: logical table → physical name.</param>
    /// <param name="columns">Overrides: logical table → (logical column → physical name).</param>
    /// <param name="keyPrefix">The configuration prefix used in error messages, e.g. <c>Perms:Database</c>.</param>
    /// <param name="errors">Receives every problem.</param>
    public static TableLayout? Create(
        string preset,
        string schema,
        IReadOnlyDictionary<string, string>? tables,
        IReadOnlyDictionary<string, Dictionary<string, string>>? columns,
        string keyPrefix,
        List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        Func<string, string>? tableName = preset switch
        {
            BetterAuthDefault => t => t,
            PluralSnake => t => ToSnake(t) + "s",
            UsePlural => t => t + "s",
            _ => null,
        };
        Func<string, string>? columnName = preset switch
        {
            BetterAuthDefault or UsePlural => c => c,
            PluralSnake => ToSnake,
            _ => null,
        };
        if (tableName is null || columnName is null)
        {
            errors.Add($"{keyPrefix}:Layout: unknown layout \"{preset}\"; use one of {string.Join(", ", Presets)}");
            return null;
        }

        CheckIdentifier(schema, $"{keyPrefix}:Schema", errors);
        var resolvedTables = Model.Keys.ToDictionary(t => t, tableName, StringComparer.Ordinal);
        var resolvedColumns = Model.SelectMany(t => t.Value.Select(c => (t.Key, c)))
            .ToDictionary(p => Key(p.Key, p.c), p => columnName(p.c), StringComparer.Ordinal);

        foreach (var (table, name) in tables ?? new Dictionary<string, string>())
        {
            var key = $"{keyPrefix}:Tables:{table}";
            if (!Model.ContainsKey(table))
            {
                errors.Add($"{key}: unknown table; Perms reads {string.Join(", ", Model.Keys)}");
            }
            else if (CheckIdentifier(name, key, errors))
            {
                resolvedTables[table] = name;
            }
        }

        foreach (var (table, overrides) in columns ?? new Dictionary<string, Dictionary<string, string>>())
        {
            if (!Model.TryGetValue(table, out var known))
            {
                errors.Add($"{keyPrefix}:Columns:{table}: unknown table; Perms reads {string.Join(", ", Model.Keys)}");
                continue;
            }

            foreach (var (column, name) in overrides)
            {
                var key = $"{keyPrefix}:Columns:{table}:{column}";
                if (!known.Contains(column))
                {
                    errors.Add($"{key}: unknown column; Perms reads {table}.{string.Join($", {table}.", known)}");
                }
                else if (CheckIdentifier(name, key, errors))
                {
                    resolvedColumns[Key(table, column)] = name;
                }
            }
        }

        return errors.Count == before ? new TableLayout(schema, resolvedTables, resolvedColumns) : null;
    }

    /// <summary>Quotes an identifier for PostgreSQL (double quotes, embedded quotes doubled).</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool CheckIdentifier(string? name, string key, List<string> errors)
    {
        // PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1); a longer name would silently name another.
        string? problem = name switch
        {
            null or "" => "is empty; give the table or column name as it is in the database",
            _ when Encoding.UTF8.GetByteCount(name) > 63 => "is longer than PostgreSQL's 63-byte identifier limit",
            _ when name.Any(char.IsControl) => "contains a control character",
            _ when name != name.Trim() => "starts or ends with white space",
            _ => null,
        };
        if (problem is not null)
        {
            errors.Add($"{key}: \"{name}\" {problem}");
        }

        return problem is null;
    }

    private static string Key(string table, string column) => table + "." + column;

    private static string ToSnake(string camel)
    {
        var builder = new StringBuilder(camel.Length + 4);
        foreach (var c in camel)
        {
            if (char.IsUpper(c))
            {
                builder.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
