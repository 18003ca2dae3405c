using System.Text.Json;
using Npgsql;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>
/// A Better Auth database made by Better Auth itself (tests/js/better-auth-differential.mjs): the schema from its
/// migration API, the rows from its server API, and its own decisions for a grid of checks. Perms reads it through a
/// SELECT-only role created here.
/// </summary>
internal sealed class BetterAuthDatabase : IAsyncDisposable
{
    private BetterAuthDatabase(string schema, JsonDocument output, string readerConnectionString)
    {
        Schema = schema;
        Output = output;
        ReaderConnectionString = readerConnectionString;
    }

    /// <summary>The PostgreSQL schema holding the tables.</summary>
    public string Schema { get; }

    /// <summary>The script's JSON document (see tests/js/README.md).</summary>
    public JsonDocument Output { get; }

    /// <summary>Connection string of a role that may only SELECT from the schema.</summary>
    public string ReaderConnectionString { get; }

    /// <summary>The root of <see cref="Output"/>.</summary>
    public JsonElement Root => Output.RootElement;

    /// <summary>Creates the database: <paramref name="layout"/> is <c>default</c>, <c>plural-snake</c> or <c>use-plural</c>.</summary>
    /// <param name="layout">The script's layout.</param>
    /// <param name="dynamic">Whether dynamic access control is on.</param>
    /// <param name="ids"><c>text</c> (Better Auth's default) or <c>uuid</c> (its <c>generateId: "uuid"</c>: uuid id columns).</param>
    public static async Task<BetterAuthDatabase> CreateAsync(string layout, bool dynamic, string ids = "text")
    {
        var schema = $"ba_{layout.Replace('-', '_')}_{(dynamic ? "dyn" : "static")}_{ids}_{Guid.NewGuid().ToString("N")[..8]}";
        var json = await Node.RunAsync(
            Path.Combine(TestEnvironment.RepositoryRoot, "tests", "js"),
            ["better-auth-differential.mjs", "--layout", layout, "--schema", schema, "--dynamic", dynamic ? "on" : "off", "--ids", ids]);

        var role = $"{schema}_reader";
        var password = Guid.NewGuid().ToString("N");
        await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await admin.CreateCommand($"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            GRANT USAGE ON SCHEMA {schema} TO {role};
            GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role};
            """).ExecuteNonQueryAsync();
        var reader = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Username = role, Password = password };
        return new BetterAuthDatabase(schema, JsonDocument.Parse(json), reader.ConnectionString);
    }

    /// <summary>The Perms preset matching the script's layout.</summary>
    public TableLayout Layout(string preset)
    {
        var errors = new List<string>();
        var layout = TableLayout.Create(preset, Schema, null, null, "test", errors);
        Assert.Empty(errors);
        return layout!;
    }

    /// <summary>The default layout over this schema with overrides (errors use the <c>Perms:Database</c> keys).</summary>
    public TableLayout LayoutWith(Dictionary<string, string>? tables = null, Dictionary<string, Dictionary<string, string>>? columns = null)
    {
        var errors = new List<string>();
        var layout = TableLayout.Create(TableLayout.BetterAuthDefault, Schema, tables, columns, "Perms:Database", errors);
        Assert.True(errors.Count == 0, "the test's layout is invalid: " + string.Join("; ", errors));
        return layout!;
    }

    /// <summary>A reader over the SELECT-only role.</summary>
    public PostgresBetterAuthReader CreateReader(NpgsqlDataSource dataSource, string preset) => new(dataSource, Layout(preset));

    /// <summary>Runs SQL as the superuser with <c>search_path</c> set to the schema.</summary>
    public async Task ExecuteAsSuperuserAsync(string sql, params object?[] parameters)
    {
        await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await using var connection = await admin.OpenConnectionAsync();
        await using (var path = new NpgsqlCommand($"SET search_path TO {Schema}", connection))
        {
            await path.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Output.Dispose();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await admin.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE; DROP ROLE IF EXISTS {Schema}_reader;").ExecuteNonQueryAsync();
    }
}
