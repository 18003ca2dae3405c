using Npgsql;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// One Better Auth database (default layout, dynamic access control on) for <see cref="PostgresBetterAuthReaderTests"/>,
/// read through the SELECT-only role, with helpers that write the edge rows Better Auth itself never writes. Each test
/// writes rows under its own id prefix, so the tests share the database without seeing each other's rows.
/// </summary>
public sealed class PostgresBetterAuthReaderFixture : IAsyncLifetime
{
    internal BetterAuthDatabase Database { get; private set; } = null!;

    /// <summary>The reader's data source: SELECT-only role, 10 s statement timeout, a session time zone far from UTC.</summary>
    internal NpgsqlDataSource DataSource { get; private set; } = null!;

    internal TableLayout Layout { get; private set; } = null!;

    internal PostgresBetterAuthReader Reader { get; private set; } = null!;

    /// <summary>Connection string of the SELECT-only role.</summary>
    internal string ReaderConnectionString => Database.ReaderConnectionString;

    public async ValueTask InitializeAsync()
    {
        Database = await BetterAuthDatabase.CreateAsync("default", dynamic: true);

        // Better Auth's migration declares member.role and organizationRole.permission NOT NULL; an app's own migration
        // or a hand-made table may not, so the NULL cases must be storable.
        await Database.ExecuteAsSuperuserAsync("""ALTER TABLE member ALTER COLUMN role DROP NOT NULL""");
        await Database.ExecuteAsSuperuserAsync("""ALTER TABLE "organizationRole" ALTER COLUMN permission DROP NOT NULL""");

        Layout = Database.Layout(TableLayout.BetterAuthDefault);

        // A session time zone 5:45 east of UTC: timestamps must still come back as UTC instants.
        var connectionString = new NpgsqlConnectionStringBuilder(Database.ReaderConnectionString) { Timezone = "Asia/Kathmandu" };
        DataSource = BetterAuthDataSource.Create(connectionString.ConnectionString, TimeSpan.FromSeconds(10));
        Reader = new PostgresBetterAuthReader(DataSource, Layout);
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

    /// <summary>A layout over this database's schema with overrides (<c>Perms:Database</c> keys in errors).</summary>
    internal TableLayout LayoutWith(Dictionary<string, string>? tables = null, Dictionary<string, Dictionary<string, string>>? columns = null) =>
        Database.LayoutWith(tables, columns);

    internal Task AddUserAsync(string id, string? role = "user", bool? banned = false) =>
        Database.ExecuteAsSuperuserAsync(
            """INSERT INTO "user" (id, name, email, "emailVerified", role, banned) VALUES ($1, 'edge', md5($1) || '@edge.test', false, $2, $3)""",
            id,
            role,
            banned);

    internal Task AddOrganizationAsync(string id) =>
        Database.ExecuteAsSuperuserAsync("""INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, $1, $1, now())""", id);

    /// <summary>A member row; <paramref name="order"/> spaces the rows' createdAt one second apart.</summary>
    internal Task AddMemberAsync(string id, string organizationId, string userId, string? role, int order = 0) =>
        Database.ExecuteAsSuperuserAsync(
            """INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ($1, $2, $3, $4, timestamptz '2030-01-01 00:00:00+00' + $5 * interval '1 second')""",
            id,
            organizationId,
            userId,
            role,
            order);

    internal Task AddTeamAsync(string id, string organizationId) =>
        Database.ExecuteAsSuperuserAsync("""INSERT INTO team (id, name, "memberCount", "organizationId", "createdAt") VALUES ($1, $1, 0, $2, now())""", id, organizationId);

    internal Task AddTeamMemberAsync(string teamId, string userId) =>
        Database.ExecuteAsSuperuserAsync("""INSERT INTO "teamMember" (id, "teamId", "userId") VALUES (gen_random_uuid()::text, $1, $2)""", teamId, userId);

    internal Task AddDynamicRoleAsync(string id, string organizationId, string role, string? permission) =>
        Database.ExecuteAsSuperuserAsync("""INSERT INTO "organizationRole" (id, "organizationId", role, permission) VALUES ($1, $2, $3, $4)""", id, organizationId, role, permission);
}
