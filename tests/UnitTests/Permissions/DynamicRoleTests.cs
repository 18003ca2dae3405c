using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Permissions;

/// <summary>The dynamic-role rows of the organization table (better-auth-semantics.md; has-permission.mjs).</summary>
public sealed class DynamicRoleTests
{
    private static readonly CompiledPolicy Dynamic = PolicyFrom("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""");

    [Fact]
    public void Rows_are_ignored_when_dynamic_access_control_is_off()
    {
        var rows = new[] { Row("auditor", """{"member":["create"]}"""), Row("broken", "{not json", id: "r2") };

        Assert.Same(DefaultPolicy.OrganizationRoles, DefaultPolicy.RolesForOrganization("org1", rows));
        Assert.Equal(DecisionReason.NoRoleGrants, Organization("auditor", Request(("member", ["create"])), dynamicRoles: rows).Reason);
    }

    [Fact]
    public void A_new_dynamic_role_grants_what_its_row_says_and_inherits_nothing()
    {
        var rows = new[] { Row("auditor", """{"member":["create"],"report":["export"]}""") };

        Assert.True(Organization("auditor", Request(("member", ["create"])), Dynamic, dynamicRoles: rows).Allowed);
        Assert.True(Organization("auditor", Request(("report", ["export"])), Dynamic, dynamicRoles: rows).Allowed);
        Assert.False(Organization("auditor", Request(("ac", ["read"])), Dynamic, dynamicRoles: rows).Allowed);
    }

    [Fact]
    public void A_row_named_like_a_static_role_extends_it_per_resource()
    {
        var rows = new[] { Row("member", """{"member":["create"],"report":["export"]}""") };

        Assert.True(Organization("member", Request(("ac", ["read"]), ("member", ["create"]), ("report", ["export"])), Dynamic, dynamicRoles: rows).Allowed);
        Assert.False(Organization("member", Request(("member", ["delete"])), Dynamic, dynamicRoles: rows).Allowed);
    }

    [Fact]
    public void Rows_sharing_a_name_are_unioned()
    {
        var rows = new[]
        {
            Row("auditor", """{"member":["create"]}""", id: "r1"),
            Row("auditor", """{"member":["update"],"team":["create"]}""", id: "r2"),
        };

        Assert.True(Organization("auditor", Request(("member", ["create", "update"]), ("team", ["create"])), Dynamic, dynamicRoles: rows).Allowed);
    }

    [Fact]
    public void Dynamic_roles_are_scoped_to_their_organization()
    {
        var rows = new[] { Row("member", """{"member":["delete"]}""") };

        var extended = Dynamic.RolesForOrganization("org1", rows);

        Assert.True(extended.Roles["member"].Grants(Request(("member", ["delete"]))));
        Assert.False(Dynamic.OrganizationRoles.Roles["member"].Grants(Request(("member", ["delete"]))));
    }

    [Fact]
    public void Every_row_counts_even_past_the_hundred_Better_Auth_reads()
    {
        var rows = Enumerable.Range(0, 150).Select(i => Row($"role{i}", $$"""{"thing{{i}}":["do"]}""", id: $"r{i}")).ToArray();

        Assert.True(Organization("role149", Request(("thing149", ["do"])), Dynamic, dynamicRoles: rows).Allowed);
    }

    [Fact]
    public void A_dynamic_role_with_no_resources_grants_nothing()
    {
        var rows = new[] { Row("empty", "{}") };

        Assert.Equal(DecisionReason.NoRoleGrants, Organization("empty", Request(("ac", ["read"])), Dynamic, dynamicRoles: rows).Reason);
    }

    [Fact]
    public void A_repeated_key_in_the_JSON_keeps_its_last_value_as_JSON_parse_does()
    {
        var rows = new[] { Row("auditor", """{"member":["create"],"member":["update"]}""") };

        Assert.False(Organization("auditor", Request(("member", ["create"])), Dynamic, dynamicRoles: rows).Allowed);
        Assert.True(Organization("auditor", Request(("member", ["update"])), Dynamic, dynamicRoles: rows).Allowed);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("""["member"]""", "expected a JSON object of resource -> actions, found an array")]
    [InlineData("null", "found null")]
    [InlineData("""{"member":"create"}""", "resource \"member\": expected an array of action names, found a string")]
    [InlineData("""{"member":["create",1]}""", "resource \"member\", action [1]: expected a string, found a number")]
    [InlineData("""{"member":[null]}""", "action [0]: expected a string, found null")]
    [InlineData("""{"member":["\ud800"]}""", "not valid Unicode")]
    [InlineData(null, "the column is NULL")]
    public void A_malformed_row_fails_every_check_in_the_organization_naming_the_row(string? permission, string detail)
    {
        var rows = new[] { Row("member", """{"member":["create"]}""", id: "good"), Row("auditor", permission, id: "bad-row-7") };

        var error = Assert.Throws<DynamicRoleException>(() => Organization("owner", Request(("ac", ["read"])), Dynamic, dynamicRoles: rows));

        Assert.Equal("bad-row-7", error.RowId);
        Assert.Equal("auditor", error.Role);
        Assert.Equal("org1", error.OrganizationId);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        Assert.Contains("organizationRole row \"bad-row-7\" (role \"auditor\") of organization \"org1\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dynamic_role_may_be_named_like_a_prototype_key()
    {
        // Better Auth assigns acRoles["constructor"] = ac.newRole(...), which works; Perms matches names literally.
        var rows = new[] { Row("constructor", """{"member":["create"]}""") };

        Assert.Equal(PermissionDecision.GrantedBy("constructor"), Organization("constructor", Request(("member", ["create"])), Dynamic, dynamicRoles: rows));
    }

    [Fact]
    public void Extending_roles_leaves_the_static_role_set_untouched()
    {
        var rows = new List<DynamicRoleRow> { Row("owner", """{"extra":["x"]}""") };

        _ = Dynamic.RolesForOrganization("org1", rows);

        Assert.False(Dynamic.OrganizationRoles.Roles["owner"].Statements.ContainsKey("extra"));
    }
}
