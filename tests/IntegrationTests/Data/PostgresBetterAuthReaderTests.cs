using System.Net;
using System.Net.Sockets;
using Npgsql;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// <see cref="PostgresBetterAuthReader"/> against a schema Better Auth made, holding rows Better Auth would never write
/// (issue #3, section 4): they are read as stored, never crash the reader, and every failure to read is a
/// <see cref="BetterAuthReadException"/> (or a cancellation), never a snapshot a decision could be made from.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresBetterAuthReaderTests(PostgresBetterAuthReaderFixture fixture) : IClassFixture<PostgresBetterAuthReaderFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_in_several_organizations_gets_one_membership_per_organization_ordered_by_id_with_its_teams()
    {
        var p = Prefix();
        var user = $"{p}-user";
        await fixture.AddUserAsync(user);
        await fixture.AddUserAsync($"{p}-other");

        // Inserted out of order, so that only ORDER BY can put them in id order.
        foreach (var organization in new[] { "c", "a", "b", "x" })
        {
            await fixture.AddOrganizationAsync($"{p}-org-{organization}");
        }

        await fixture.AddMemberAsync($"{p}-m1", $"{p}-org-c", user, "owner");
        await fixture.AddMemberAsync($"{p}-m2", $"{p}-org-a", user, "member");
        await fixture.AddMemberAsync($"{p}-m3", $"{p}-org-b", user, "viewer");
        await fixture.AddMemberAsync($"{p}-m4", $"{p}-org-a", $"{p}-other", "admin");

        await fixture.AddTeamAsync($"{p}-team-a2", $"{p}-org-a");
        await fixture.AddTeamAsync($"{p}-team-a1", $"{p}-org-a");
        await fixture.AddTeamAsync($"{p}-team-a3", $"{p}-org-a");
        await fixture.AddTeamAsync($"{p}-team-c1", $"{p}-org-c");
        await fixture.AddTeamAsync($"{p}-team-x1", $"{p}-org-x");
        await fixture.AddTeamMemberAsync($"{p}-team-a2", user);
        await fixture.AddTeamMemberAsync($"{p}-team-a1", user);
        await fixture.AddTeamMemberAsync($"{p}-team-c1", user);
        await fixture.AddTeamMemberAsync($"{p}-team-a3", $"{p}-other");
        // A team of an organization the user is not a member of: teams give no membership.
        await fixture.AddTeamMemberAsync($"{p}-team-x1", user);

        var before = DateTimeOffset.UtcNow;
        var snapshot = await fixture.Reader.ReadUserAsync(user, Token);

        Assert.Equal(user, snapshot.UserId);
        Assert.NotNull(snapshot.User);
        Assert.Equal(
            [
                $"{p}-org-a roles=[\"member\"] teams=[{p}-team-a1, {p}-team-a2]",
                $"{p}-org-b roles=[\"viewer\"] teams=[]",
                $"{p}-org-c roles=[\"owner\"] teams=[{p}-team-c1]",
            ],
            snapshot.Memberships.Select(Describe));
        Assert.Equal(TimeSpan.Zero, snapshot.ReadAt.Offset);
        Assert.InRange(snapshot.ReadAt, before.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task An_unknown_user_reads_as_no_user_with_no_memberships()
    {
        var p = Prefix();
        await fixture.AddOrganizationAsync($"{p}-org");
        await fixture.AddUserAsync($"{p}-known");
        await fixture.AddMemberAsync($"{p}-m", $"{p}-org", $"{p}-known", "owner");

        var snapshot = await fixture.Reader.ReadUserAsync($"{p}-unknown", Token);

        Assert.Equal($"{p}-unknown", snapshot.UserId);
        Assert.Null(snapshot.User);
        Assert.Empty(snapshot.Memberships);
    }

    [Fact]
    public async Task Member_roles_are_read_verbatim_whether_NULL_empty_padded_or_unknown()
    {
        var p = Prefix();
        var user = $"{p}-user";
        await fixture.AddUserAsync(user);
        var roles = new (string Organization, string? Role)[]
        {
            ($"{p}-org-1-null", null),
            ($"{p}-org-2-empty", ""),
            ($"{p}-org-3-padded", "  viewer , member "),
            ($"{p}-org-4-unknown", "ghost"),
        };
        foreach (var (organization, role) in roles)
        {
            await fixture.AddOrganizationAsync(organization);
            await fixture.AddMemberAsync($"{organization}-m", organization, user, role);
        }

        var snapshot = await fixture.Reader.ReadUserAsync(user, Token);

        Assert.Equal(roles.Select(r => r.Organization), snapshot.Memberships.Select(m => m.OrganizationId));
        foreach (var (membership, (organization, role)) in snapshot.Memberships.Zip(roles))
        {
            Assert.True(
                membership.RoleColumns.Length == 1 && membership.RoleColumns[0] == role,
                $"{organization}: stored member.role {Quote(role)}, read {string.Join(", ", membership.RoleColumns.Select(Quote))}");
        }
    }

    [Fact]
    public async Task Duplicate_member_rows_for_one_organization_give_one_membership_with_both_role_columns()
    {
        var p = Prefix();
        var user = $"{p}-user";
        await fixture.AddUserAsync(user);
        await fixture.AddOrganizationAsync($"{p}-org");
        // The later row has the smaller id: the rows come in createdAt order.
        await fixture.AddMemberAsync($"{p}-m2", $"{p}-org", user, "viewer", order: 0);
        await fixture.AddMemberAsync($"{p}-m1", $"{p}-org", user, "admin", order: 1);

        var snapshot = await fixture.Reader.ReadUserAsync(user, Token);

        Assert.Equal([$"{p}-org roles=[\"viewer\", \"admin\"] teams=[]"], snapshot.Memberships.Select(Describe));
    }

    [Fact]
    public async Task A_NULL_banned_column_reads_as_not_banned()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user", role: "admin", banned: null);

        var snapshot = await fixture.Reader.ReadUserAsync($"{p}-user", Token);

        var user = Assert.IsType<UserRecord>(snapshot.User);
        Assert.False(user.Banned, "user.banned NULL must read as false");
        Assert.Null(user.BanExpires);
        Assert.Equal("admin", user.Role);
    }

    [Fact]
    public async Task BanExpires_is_read_as_the_stored_instant_in_UTC_whatever_the_session_time_zone()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user", role: null, banned: true);
        await fixture.Database.ExecuteAsSuperuserAsync("""UPDATE "user" SET "banExpires" = '2031-05-06 07:08:09.123+02' WHERE id = $1""", $"{p}-user");

        var snapshot = await fixture.Reader.ReadUserAsync($"{p}-user", Token);

        var user = Assert.IsType<UserRecord>(snapshot.User);
        Assert.True(user.Banned);
        Assert.Null(user.Role);
        Assert.Equal(new DateTimeOffset(2031, 5, 6, 5, 8, 9, 123, TimeSpan.Zero), user.BanExpires);
        Assert.Equal(TimeSpan.Zero, user.BanExpires!.Value.Offset);
    }

    [Fact]
    public async Task An_organizations_dynamic_roles_are_read_verbatim_in_id_order_malformed_and_NULL_permissions_included()
    {
        var p = Prefix();
        await fixture.AddOrganizationAsync($"{p}-org");
        await fixture.AddOrganizationAsync($"{p}-other");
        await fixture.AddDynamicRoleAsync($"{p}-r3", $"{p}-org", "auditor", """{"project":["read"]}""");
        await fixture.AddDynamicRoleAsync($"{p}-r1", $"{p}-org", "broken", "{not json");
        await fixture.AddDynamicRoleAsync($"{p}-r4", $"{p}-org", "empty", null);
        await fixture.AddDynamicRoleAsync($"{p}-r2", $"{p}-org", "member", """ {"team": ["create"]} """);
        await fixture.AddDynamicRoleAsync($"{p}-r0", $"{p}-other", "elsewhere", "{}");

        var snapshot = await fixture.Reader.ReadOrganizationAsync($"{p}-org", includeDynamicRoles: true, Token);

        Assert.True(snapshot.Exists);
        Assert.Equal($"{p}-org", snapshot.OrganizationId);
        Assert.Equal(
            [
                $"{p}-r1 {p}-org broken {{not json",
                $"{p}-r2 {p}-org member  {{\"team\": [\"create\"]}} ",
                $"{p}-r3 {p}-org auditor {{\"project\":[\"read\"]}}",
                $"{p}-r4 {p}-org empty NULL",
            ],
            snapshot.DynamicRoles.Select(r => $"{r.Id} {r.OrganizationId} {r.Role} {r.Permission ?? "NULL"}"));
    }

    [Fact]
    public async Task Dynamic_roles_are_not_read_when_not_asked_for()
    {
        var p = Prefix();
        await fixture.AddOrganizationAsync($"{p}-org");
        await fixture.AddDynamicRoleAsync($"{p}-r1", $"{p}-org", "auditor", """{"project":["read"]}""");

        var snapshot = await fixture.Reader.ReadOrganizationAsync($"{p}-org", includeDynamicRoles: false, Token);

        Assert.True(snapshot.Exists);
        Assert.Empty(snapshot.DynamicRoles);
    }

    [Fact]
    public async Task An_unknown_organization_reads_as_not_existing_with_no_dynamic_roles()
    {
        var p = Prefix();
        await fixture.AddOrganizationAsync($"{p}-org");

        var snapshot = await fixture.Reader.ReadOrganizationAsync($"{p}-unknown", includeDynamicRoles: true, Token);

        Assert.Equal($"{p}-unknown", snapshot.OrganizationId);
        Assert.False(snapshot.Exists);
        Assert.Empty(snapshot.DynamicRoles);
    }

    [Fact]
    public async Task A_10_KB_user_id_with_a_membership_is_readable()
    {
        // Repetitive, so PostgreSQL compresses it inside the btree entries: an incompressible id of 10 KB is refused
        // by PostgreSQL itself ("index row requires 10256 bytes, maximum size is 8191"), so Better Auth cannot store it.
        var p = Prefix();
        var user = (p + "-" + string.Concat(Enumerable.Repeat("0123456789", 1024)))[..10240];
        await fixture.AddUserAsync(user, role: "user,admin");
        await fixture.AddOrganizationAsync($"{p}-org");
        await fixture.AddMemberAsync($"{p}-m", $"{p}-org", user, "owner");
        await fixture.AddTeamAsync($"{p}-team", $"{p}-org");
        await fixture.AddTeamMemberAsync($"{p}-team", user);

        var snapshot = await fixture.Reader.ReadUserAsync(user, Token);

        Assert.Equal(10240, snapshot.UserId.Length);
        var record = Assert.IsType<UserRecord>(snapshot.User);
        Assert.True(record.Id == user, "the 10 KB id must come back whole");
        Assert.Equal("user,admin", record.Role);
        Assert.Equal([$"{p}-org roles=[\"owner\"] teams=[{p}-team]"], snapshot.Memberships.Select(Describe));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("organization")]
    public async Task An_id_containing_NUL_is_refused_with_ArgumentException_before_any_IO(string what)
    {
        // Over a data source that cannot connect: any I/O would end in a BetterAuthReadException instead.
        await using var unreachable = BetterAuthDataSource.Create(ClosedPortConnectionString(), TimeSpan.FromSeconds(2));
        var reader = new PostgresBetterAuthReader(unreachable, fixture.Layout);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => what == "user"
            ? reader.ReadUserAsync("user\0id", Token)
            : reader.ReadOrganizationAsync("org\0id", includeDynamicRoles: true, Token));

        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_are_read_only_even_for_a_role_that_may_write()
    {
        var p = Prefix();
        var insert = $"""INSERT INTO {fixture.Layout.QualifiedTable("organization")} (id, name, slug, "createdAt") VALUES ('{p}-org', 'x', '{p}-org', now())""";

        // The superuser may write anything: only the data source's read-only sessions can stop it.
        await using var dataSource = BetterAuthDataSource.Create(TestEnvironment.PostgresConnectionString, TimeSpan.FromSeconds(5));
        await using var connection = await dataSource.OpenConnectionAsync(Token);
        await using (var command = new NpgsqlCommand(insert, connection))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Token));
            Assert.True(error.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction, $"an INSERT outside a transaction gave {error.SqlState} {error.MessageText}, expected 25006 (read-only transaction)");
        }

        await using (var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, Token))
        await using (var command = new NpgsqlCommand(insert, connection, transaction))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Token));
            Assert.True(error.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction, $"an INSERT in a transaction like the reader's gave {error.SqlState} {error.MessageText}, expected 25006 (read-only transaction)");
        }

        var snapshot = await fixture.Reader.ReadOrganizationAsync($"{p}-org", includeDynamicRoles: false, Token);
        Assert.False(snapshot.Exists, "the INSERT must not have written the row");
    }

    [Fact]
    public async Task The_statement_timeout_cancels_a_statement_that_runs_longer()
    {
        await using var dataSource = BetterAuthDataSource.Create(fixture.ReaderConnectionString, TimeSpan.FromMilliseconds(50));
        await using var connection = await dataSource.OpenConnectionAsync(Token);
        await using var command = new NpgsqlCommand("SELECT pg_sleep(1)", connection);

        // pg_sleep(1) finishing would be no error at all: 57014 is the timeout ending it (no clock asserted).
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Token));

        Assert.True(error.SqlState == PostgresErrorCodes.QueryCanceled, $"pg_sleep(1) under a 50 ms statement timeout gave {error.SqlState} {error.MessageText}, expected 57014 (query canceled)");
    }

    [Fact]
    public async Task A_read_stopped_by_the_statement_timeout_is_a_transient_read_error()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user");
        await using var dataSource = BetterAuthDataSource.Create(fixture.ReaderConnectionString, TimeSpan.FromMilliseconds(250));
        var reader = new PostgresBetterAuthReader(dataSource, fixture.Layout);
        await reader.ReadUserAsync($"{p}-user", Token); // a warm connection: the timeout is spent on the lock below

        await using var lockHolder = await LockAsync("member");
        var error = await Assert.ThrowsAsync<BetterAuthReadException>(() => reader.ReadUserAsync($"{p}-user", Token));

        Assert.True(error.IsTransient, $"a statement timeout must be transient: {error.Message}");
        var cause = Assert.IsType<PostgresException>(error.InnerException);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, cause.SqlState);
        Assert.Contains("statement timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_layout_naming_a_missing_table_is_a_permanent_read_error_that_names_it_and_says_to_run_the_schema_check()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user");
        var reader = new PostgresBetterAuthReader(fixture.DataSource, fixture.LayoutWith(tables: new() { ["member"] = "member_gone" }));

        var error = await Assert.ThrowsAsync<BetterAuthReadException>(() => reader.ReadUserAsync($"{p}-user", Token));

        Assert.False(error.IsTransient, $"a missing table does not heal by retrying: {error.Message}");
        Assert.Contains("member_gone", error.Message, StringComparison.Ordinal);
        Assert.Contains("perms schema check", error.Message, StringComparison.Ordinal);
        Assert.Equal(PostgresErrorCodes.UndefinedTable, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    [Fact]
    public async Task An_unreachable_database_is_a_transient_read_error()
    {
        await using var unreachable = BetterAuthDataSource.Create(ClosedPortConnectionString(), TimeSpan.FromSeconds(2));
        var reader = new PostgresBetterAuthReader(unreachable, fixture.Layout);

        var user = await Assert.ThrowsAsync<BetterAuthReadException>(() => reader.ReadUserAsync("someone", Token));
        var organization = await Assert.ThrowsAsync<BetterAuthReadException>(() => reader.ReadOrganizationAsync("somewhere", includeDynamicRoles: true, Token));

        Assert.True(user.IsTransient, $"a refused connection must be transient: {user.Message}");
        Assert.True(organization.IsTransient, $"a refused connection must be transient: {organization.Message}");
    }

    [Fact]
    public async Task A_cancelled_token_cancels_the_read()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user");
        await fixture.AddOrganizationAsync($"{p}-org");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Reader.ReadUserAsync($"{p}-user", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Reader.ReadOrganizationAsync($"{p}-org", includeDynamicRoles: true, cancelled.Token));
    }

    [Fact]
    public async Task A_token_cancelled_while_the_read_waits_cancels_it_rather_than_failing_it()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user");
        await using var lockHolder = await LockAsync("member");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(300));

        // The fixture's statement timeout (10 s) would end it as a BetterAuthReadException, not a cancellation: the
        // exception type says which ended it, no clock needed.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Reader.ReadUserAsync($"{p}-user", cancellation.Token));
    }

    [Fact]
    public async Task A_column_of_the_wrong_type_is_a_read_error_naming_the_column_never_a_snapshot()
    {
        var p = Prefix();
        await fixture.AddUserAsync($"{p}-user", banned: true);
        var reader = new PostgresBetterAuthReader(fixture.DataSource, fixture.LayoutWith(columns: new() { ["user"] = new() { ["banned"] = "email" } }));

        var error = await Assert.ThrowsAsync<BetterAuthReadException>(() => reader.ReadUserAsync($"{p}-user", Token));

        Assert.False(error.IsTransient, $"a column of the wrong type does not heal by retrying: {error.Message}");
        Assert.Contains("user.banned", error.Message, StringComparison.Ordinal);
    }

    private static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static string Describe(MembershipRecord membership) =>
        $"{membership.OrganizationId} roles=[{string.Join(", ", membership.RoleColumns.Select(Quote))}] teams=[{string.Join(", ", membership.TeamIds)}]";

    private static string Quote(string? value) => value is null ? "NULL" : $"\"{value}\"";

    /// <summary>Connection string of a loopback port nothing listens on.</summary>
    private static string ClosedPortConnectionString()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"Host=127.0.0.1;Port={port};Username=nobody;Password=nothing;Database=postgres;Timeout=5";
    }

    /// <summary>Holds an ACCESS EXCLUSIVE lock on a table, as the superuser, until disposed.</summary>
    private async Task<IAsyncDisposable> LockAsync(string table)
    {
        var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        var connection = await admin.OpenConnectionAsync(Token);
        var transaction = await connection.BeginTransactionAsync(Token);
        await using (var command = new NpgsqlCommand($"LOCK TABLE {fixture.Layout.QualifiedTable(table)} IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(Token);
        }

        return new TableLock(admin, connection, transaction);
    }

    private sealed class TableLock(NpgsqlDataSource admin, NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            await admin.DisposeAsync();
        }
    }
}
