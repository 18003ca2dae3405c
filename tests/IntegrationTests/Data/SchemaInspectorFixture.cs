using Npgsql;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// One fresh Better Auth database (default layout) for <see cref="SchemaInspectorTests"/>, inspected through the
/// SELECT-only role. Tests that change grants put them back; the index test leaves its indexes, which no other test
/// of the class depends on.
/// </summary>
public sealed class SchemaInspectorFixture : IAsyncLifetime
{
    internal BetterAuthDatabase Database { get; private set; } = null!;

    /// <summary>The SELECT-only role's data source.</summary>
    internal NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>The SELECT-only role's name.</summary>
    internal string ReaderRole => new NpgsqlConnectionStringBuilder(Database.ReaderConnectionString).Username!;

    public async ValueTask InitializeAsync()
    {
        Database = await BetterAuthDatabase.CreateAsync("default", dynamic: true);
        DataSource = BetterAuthDataSource.Create(Database.ReaderConnectionString, TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }

    /// <summary>The default layout over this database's schema with overrides.</summary>
    internal TableLayout LayoutWith(Dictionary<string, string>? tables = null, Dictionary<string, Dictionary<string, string>>? columns = null) =>
        Database.LayoutWith(tables, columns);
}
