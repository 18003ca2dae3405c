using Perms.Grains.Interfaces.Data;

namespace Perms.UnitTests.Data;

public sealed class TableLayoutTests
{
    private static TableLayout Create(
        string preset,
        string schema = "public",
        Dictionary<string, string>? tables = null,
        Dictionary<string, Dictionary<string, string>>? columns = null)
    {
        var errors = new List<string>();
        var layout = TableLayout.Create(preset, schema, tables, columns, "Perms:Database", errors);
        Assert.Empty(errors);
        return layout!;
    }

    private static List<string> Errors(
        string preset,
        string schema = "public",
        Dictionary<string, string>? tables = null,
        Dictionary<string, Dictionary<string, string>>? columns = null)
    {
        var errors = new List<string>();
        Assert.Null(TableLayout.Create(preset, schema, tables, columns, "Perms:Database", errors));
        return errors;
    }

    [Fact]
    public void The_Better_Auth_default_layout_uses_singular_tables_and_camelCase_columns()
    {
        var layout = Create(TableLayout.BetterAuthDefault);

        Assert.Equal("\"public\".\"user\"", layout.QualifiedTable("user"));
        Assert.Equal("\"organizationRole\"", TableLayout.Quote(layout.Table("organizationRole")));
        Assert.Equal("\"banExpires\"", layout.QuotedColumn("user", "banExpires"));
        Assert.Equal("teamMember", layout.Table("teamMember"));
    }

    [Fact]
    public void The_plural_snake_layout_is_the_seed_ADRs()
    {
        var layout = Create(TableLayout.PluralSnake);

        Assert.Equal(
            ["users", "members", "organizations", "organization_roles", "teams", "team_members"],
            TableLayout.Model.Keys.OrderBy(k => Array.IndexOf(["user", "member", "organization", "organizationRole", "team", "teamMember"], k)).Select(layout.Table));
        Assert.Equal("user_id", layout.Column("member", "userId"));
        Assert.Equal("organization_id", layout.Column("organizationRole", "organizationId"));
        Assert.Equal("ban_expires", layout.Column("user", "banExpires"));
        Assert.Equal("created_at", layout.Column("member", "createdAt"));
        Assert.Equal("team_id", layout.Column("teamMember", "teamId"));
    }

    [Fact]
    public void The_use_plural_layout_has_plural_tables_and_camelCase_columns()
    {
        var layout = Create(TableLayout.UsePlural);

        Assert.Equal("organizationRoles", layout.Table("organizationRole"));
        Assert.Equal("teamMembers", layout.Table("teamMember"));
        Assert.Equal("userId", layout.Column("member", "userId"));
    }

    [Fact]
    public void Overrides_rename_single_tables_and_columns()
    {
        var layout = Create(
            TableLayout.BetterAuthDefault,
            schema: "auth",
            tables: new() { ["user"] = "accounts_user" },
            columns: new() { ["member"] = new() { ["userId"] = "account_id" } });

        Assert.Equal("\"auth\".\"accounts_user\"", layout.QualifiedTable("user"));
        Assert.Equal("account_id", layout.Column("member", "userId"));
        Assert.Equal("organizationId", layout.Column("member", "organizationId"));
    }

    [Fact]
    public void Quotes_inside_names_are_doubled_so_configuration_cannot_inject_SQL()
    {
        var layout = Create(TableLayout.BetterAuthDefault, tables: new() { ["user"] = "x\"; DROP TABLE y; --" });

        Assert.Equal("\"public\".\"x\"\"; DROP TABLE y; --\"", layout.QualifiedTable("user"));
    }

    [Fact]
    public void Every_bad_name_is_reported_with_its_configuration_key()
    {
        var errors = Errors(
            TableLayout.BetterAuthDefault,
            schema: "",
            tables: new() { ["users"] = "u", ["member"] = new string('m', 64) },
            columns: new() { ["member"] = new() { ["user_id"] = "x", ["role"] = " role" }, ["session"] = new() { ["id"] = "id" } });

        Assert.Equal(
        [
            "Perms:Database:Schema: \"\" is empty; give the table or column name as it is in the database",
            "Perms:Database:Tables:users: unknown table; Perms reads user, member, organization, organizationRole, team, teamMember",
            $"Perms:Database:Tables:member: \"{new string('m', 64)}\" is longer than PostgreSQL's 63-byte identifier limit",
            "Perms:Database:Columns:member:user_id: unknown column; Perms reads member.id, member.organizationId, member.userId, member.role, member.createdAt",
            "Perms:Database:Columns:member:role: \" role\" starts or ends with white space",
            "Perms:Database:Columns:session: unknown table; Perms reads user, member, organization, organizationRole, team, teamMember",
        ], errors);
    }

    [Fact]
    public void A_control_character_in_a_name_is_an_error()
    {
        Assert.Equal(["Perms:Database:Tables:user: \"us\0er\" contains a control character"], Errors(TableLayout.BetterAuthDefault, tables: new() { ["user"] = "us\0er" }));
    }

    [Fact]
    public void An_unknown_preset_lists_the_presets()
    {
        Assert.Equal(["Perms:Database:Layout: unknown layout \"snake\"; use one of better-auth-default, plural-snake, use-plural"], Errors("snake"));
    }
}
