using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// The start-up schema check (issue #3, section 3) on schemas Better Auth's own migration made, run under the
/// SELECT-only role: it names every missing table, column and grant, and gives the exact DDL of every required index
/// the migration does not create.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SchemaInspectorTests(SchemaInspectorFixture fixture) : IClassFixture<SchemaInspectorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task It_reports_exactly_the_indexes_Better_Auths_migration_leaves_out_and_nothing_once_their_DDL_has_run()
    {
        var schema = fixture.Database.Schema;
        var inspector = new SchemaInspector(fixture.DataSource, fixture.LayoutWith());

        var findings = await inspector.CheckAsync(Token);

        // Better Auth creates member("userId") and member("organizationId") alone, teamMember("userId") and
        // organizationRole("organizationId"), and nothing on user.role.
        Assert.All(findings, f => Assert.True(f.Severity == SchemaSeverity.MissingIndex, $"unexpected {f.Severity}: {f.Message}"));
        Assert.Equal(
            [
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "user_role_perms_idx" ON "{schema}"."user" ("role");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "member_userId_organizationId_perms_idx" ON "{schema}"."member" ("userId", "organizationId");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "member_organizationId_role_perms_idx" ON "{schema}"."member" ("organizationId", "role");""",
            ],
            findings.Select(f => f.Ddl));
        Assert.Contains(findings, f => f.Message.Contains("(\"userId\", \"organizationId\")", StringComparison.Ordinal));

        foreach (var ddl in findings.Select(f => f.Ddl!))
        {
            await fixture.Database.ExecuteAsSuperuserAsync(ddl);
        }

        var after = await inspector.CheckAsync(Token);
        Assert.True(after.Count == 0, "after running the DDL the check still reports: " + string.Join("; ", after.Select(f => f.Message)));
    }

    [Fact]
    public async Task Only_an_index_whose_leading_columns_are_the_required_ones_in_order_counts()
    {
        // A copy of member that only this test indexes, so the other tests' indexes cannot interfere.
        await fixture.Database.ExecuteAsSuperuserAsync("""CREATE TABLE member_indexed (LIKE member)""");
        await fixture.Database.ExecuteAsSuperuserAsync($"""GRANT SELECT ON member_indexed TO {fixture.ReaderRole}""");
        await fixture.Database.ExecuteAsSuperuserAsync("""CREATE INDEX ON member_indexed ("organizationId", "userId")""");
        await fixture.Database.ExecuteAsSuperuserAsync("""CREATE INDEX ON member_indexed (role, "organizationId")""");
        await fixture.Database.ExecuteAsSuperuserAsync("""CREATE INDEX ON member_indexed ("userId", "organizationId") WHERE role <> ''""");
        var inspector = new SchemaInspector(fixture.DataSource, fixture.LayoutWith(tables: new() { ["member"] = "member_indexed" }));

        Assert.Equal(
            ["(\"userId\", \"organizationId\")", "(\"organizationId\", \"role\")"],
            await MissingMemberIndexesAsync(inspector));

        // A longer index whose leading columns are the required ones serves.
        await fixture.Database.ExecuteAsSuperuserAsync("""CREATE INDEX ON member_indexed ("userId", "organizationId", role)""");
        Assert.Equal(["(\"organizationId\", \"role\")"], await MissingMemberIndexesAsync(inspector));
    }

    [Fact]
    public async Task A_layout_naming_a_missing_column_is_one_error_naming_the_table_the_column_and_the_configuration_key()
    {
        var inspector = new SchemaInspector(fixture.DataSource, fixture.LayoutWith(columns: new() { ["member"] = new() { ["role"] = "rank" } }));

        var errors = (await inspector.CheckAsync(Token)).Where(f => f.Severity == SchemaSeverity.Error).ToList();

        var error = Assert.Single(errors);
        Assert.Contains($"\"{fixture.Database.Schema}\".\"member\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"rank\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("member.role", error.Message, StringComparison.Ordinal);
        Assert.Contains("Perms:Database:Columns:member:role", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Ddl);
    }

    [Fact]
    public async Task A_layout_naming_a_missing_table_is_an_error_naming_it_and_no_index_is_asked_for_on_it()
    {
        var inspector = new SchemaInspector(fixture.DataSource, fixture.LayoutWith(tables: new() { ["teamMember"] = "team_membership" }));

        var findings = await inspector.CheckAsync(Token);

        var error = Assert.Single(findings, f => f.Severity == SchemaSeverity.Error);
        Assert.Contains("\"team_membership\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Perms:Database:Tables:teamMember", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(findings, f => f.Message.Contains("team_membership", StringComparison.Ordinal) && f.Severity != SchemaSeverity.Error);
    }

    [Fact]
    public async Task A_table_the_role_may_not_select_from_is_an_error_saying_it_is_not_readable()
    {
        var inspector = new SchemaInspector(fixture.DataSource, fixture.LayoutWith());
        await fixture.Database.ExecuteAsSuperuserAsync($"""REVOKE SELECT ON "organizationRole" FROM {fixture.ReaderRole}""");
        IReadOnlyList<SchemaFinding> findings;
        try
        {
            findings = await inspector.CheckAsync(Token);
        }
        finally
        {
            await fixture.Database.ExecuteAsSuperuserAsync($"""GRANT SELECT ON "organizationRole" TO {fixture.ReaderRole}""");
        }

        var errors = findings.Where(f => f.Severity == SchemaSeverity.Error).ToList();
        Assert.True(errors.Count == TableLayout.Model["organizationRole"].Length, "one error per column Perms reads: " + string.Join("; ", errors.Select(e => e.Message)));
        Assert.All(errors, e =>
        {
            Assert.Contains($"\"{fixture.Database.Schema}\".\"organizationRole\"", e.Message, StringComparison.Ordinal);
            Assert.Contains("not readable", e.Message, StringComparison.Ordinal);
            Assert.Contains("GRANT SELECT", e.Message, StringComparison.Ordinal);
        });

        var restored = await inspector.CheckAsync(Token);
        Assert.DoesNotContain(restored, f => f.Severity == SchemaSeverity.Error);
    }

    [Theory]
    [InlineData("plural-snake", TableLayout.PluralSnake, "users", "members", "role", "user_id", "organization_id")]
    [InlineData("use-plural", TableLayout.UsePlural, "users", "members", "role", "userId", "organizationId")]
    public async Task The_other_presets_find_every_table_and_column_Better_Auth_made_and_ask_for_the_indexes_in_their_names(
        string scriptLayout, string preset, string users, string members, string role, string userId, string organizationId)
    {
        await using var database = await BetterAuthDatabase.CreateAsync(scriptLayout, dynamic: true);
        await using var dataSource = BetterAuthDataSource.Create(database.ReaderConnectionString, TimeSpan.FromSeconds(10));
        var schema = database.Schema;

        var findings = await new SchemaInspector(dataSource, database.Layout(preset)).CheckAsync(Token);

        Assert.DoesNotContain(findings, f => f.Severity == SchemaSeverity.Error);
        Assert.Equal(
            [
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "{users}_{role}_perms_idx" ON "{schema}"."{users}" ("{role}");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "{members}_{userId}_{organizationId}_perms_idx" ON "{schema}"."{members}" ("{userId}", "{organizationId}");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "{members}_{organizationId}_{role}_perms_idx" ON "{schema}"."{members}" ("{organizationId}", "{role}");""",
            ],
            findings.Select(f => f.Ddl));
    }

    /// <summary>The column lists of the missing indexes the check asks for on member_indexed, from their DDL.</summary>
    private static async Task<string[]> MissingMemberIndexesAsync(SchemaInspector inspector)
    {
        var findings = await inspector.CheckAsync(Token);
        Assert.DoesNotContain(findings, f => f.Severity == SchemaSeverity.Error);
        return [.. findings
            .Where(f => f.Ddl is not null && f.Ddl.Contains(".\"member_indexed\" (", StringComparison.Ordinal))
            .Select(f => f.Ddl![(f.Ddl!.LastIndexOf(" (", StringComparison.Ordinal) + 1)..].TrimEnd(';'))];
    }
}
