using System.Text.Json;
using Perms.LoadTest.Truth;

namespace Perms.UnitTests.LoadTest.Truth;

/// <summary>
/// The ground truth's rule on hand-made cases, one per rule of Better Auth's organization hasPermission (and Perms'
/// ban mode), over the harness policy unless a case needs its own.
/// </summary>
public sealed class PermissionOracleTests
{
    private static readonly DateTime Now = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly PermissionOracle Harness = PermissionOracle.Harness;
    private static readonly DynamicRoleSet Dynamic = DynamicRoleSet.FromRows(
    [
        ("auditor", """{"member":["create"],"ac":["read"]}"""),
        ("member", """{"team":["create"]}"""),
    ]);

    private static readonly string[] AllPermissions =
    [
        "organization:update", "organization:delete", "member:create", "member:update", "member:delete", "invitation:create",
        "invitation:cancel", "team:create", "team:update", "team:delete", "ac:create", "ac:read", "ac:update", "ac:delete",
    ];

    [Fact]
    public void The_harness_policy_is_Better_Auths_default_with_dynamic_access_control_and_bans_denied()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(PermissionOracle.FindHarnessPolicy()!)!)!)!;
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };
        using var harness = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "src", "LoadTest", "harness-policy.json")), options);
        using var defaults = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "policies", "better-auth-default.json")), options);

        Assert.True(JsonElement.DeepEquals(defaults.RootElement.GetProperty("organization").GetProperty("statements"), harness.RootElement.GetProperty("organization").GetProperty("statements")));
        Assert.True(JsonElement.DeepEquals(defaults.RootElement.GetProperty("organization").GetProperty("roles"), harness.RootElement.GetProperty("organization").GetProperty("roles")));
        Assert.True(JsonElement.DeepEquals(defaults.RootElement.GetProperty("admin"), harness.RootElement.GetProperty("admin")));
        Assert.True(harness.RootElement.GetProperty("organization").GetProperty("dynamicAccessControl").GetProperty("enabled").GetBoolean());
        Assert.Equal("deny", harness.RootElement.GetProperty("bans").GetProperty("mode").GetString());
        Assert.True(Harness.DynamicAccessControl);
        Assert.True(Harness.DeniesBannedUsers);
        Assert.Equal(AllPermissions, Harness.Permissions.Select(p => $"{p.Resource}:{p.Action}"));
    }

    [Fact]
    public void The_owner_is_granted_every_statement()
    {
        Assert.All(AllPermissions, p => Assert.True(Allowed("owner", p)));
    }

    [Fact]
    public void The_admin_is_granted_everything_but_deleting_the_organization()
    {
        Assert.All(AllPermissions, p => Assert.Equal(p != "organization:delete", Allowed("admin", p)));
    }

    [Fact]
    public void A_member_may_only_read_access_control()
    {
        Assert.All(AllPermissions, p => Assert.Equal(p == "ac:read", Allowed("member", p)));
    }

    [Theory]
    [InlineData("admin,member", "member:delete", true)]
    [InlineData("member,admin", "member:delete", true)]
    [InlineData("member,owner", "organization:delete", true)]
    [InlineData("admin,member", "organization:delete", false)]
    [InlineData("member,member", "ac:read", true)]
    public void Any_one_role_of_a_comma_separated_list_may_grant(string role, string permission, bool allowed)
    {
        Assert.Equal(allowed, Allowed(role, permission));
    }

    [Theory]
    [InlineData(" admin , member ", "member:delete", true)]
    [InlineData("\tadmin\n", "member:delete", true)]
    [InlineData("\uFEFFadmin\u00A0", "member:delete", true)] // JavaScript's trim strips the BOM and no-break spaces
    [InlineData("\u0085admin", "member:delete", false)] // …but not NEL, which .NET's Trim would strip
    [InlineData(",,member,", "ac:read", true)]
    [InlineData(" , ", "ac:read", false)]
    [InlineData("", "ac:read", false)]
    public void Roles_are_trimmed_as_JavaScript_trims_and_empty_parts_dropped(string role, string permission, bool allowed)
    {
        Assert.Equal(allowed, Allowed(role, permission));
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("OWNER")]
    [InlineData("viewer")]
    [InlineData("admin member")]
    public void Role_names_are_exact_and_unknown_ones_grant_nothing(string role)
    {
        Assert.All(AllPermissions, p => Assert.False(Allowed(role, p)));
    }

    [Fact]
    public void One_single_role_must_grant_the_whole_request()
    {
        var oracle = PermissionOracle.Parse("""
            { "organization": { "statements": { "x": ["a"], "y": ["b"] }, "roles": { "rx": { "x": ["a"] }, "ry": { "y": ["b"] }, "both": { "x": ["a"], "y": ["b"] } } } }
            """, "test");
        var request = new Dictionary<string, string[]> { ["x"] = ["a"], ["y"] = ["b"] };

        Assert.False(oracle.IsAllowed(false, null, "rx,ry", DynamicRoleSet.Empty, request, Now));
        Assert.True(oracle.IsAllowed(false, null, "rx,both", DynamicRoleSet.Empty, request, Now));
        Assert.True(oracle.IsAllowed(false, null, "rx", DynamicRoleSet.Empty, new Dictionary<string, string[]> { ["x"] = ["a"] }, Now));
    }

    [Fact]
    public void Every_action_of_every_resource_is_required()
    {
        var both = new Dictionary<string, string[]> { ["organization"] = ["update", "delete"] };

        Assert.True(Harness.IsAllowed(false, null, "owner", DynamicRoleSet.Empty, both, Now));
        Assert.False(Harness.IsAllowed(false, null, "admin", DynamicRoleSet.Empty, both, Now));
    }

    [Fact]
    public void Empty_requests_and_unknown_names_are_denied_even_to_the_owner()
    {
        Assert.False(Harness.IsAllowed(false, null, "owner", DynamicRoleSet.Empty, new Dictionary<string, string[]>(), Now));
        Assert.False(Harness.IsAllowed(false, null, "owner", DynamicRoleSet.Empty, new Dictionary<string, string[]> { ["member"] = [] }, Now));
        Assert.False(Allowed("owner", "project:read"));
        Assert.False(Allowed("owner", "member:export"));
        Assert.False(Harness.IsAllowed(false, null, "owner", DynamicRoleSet.Empty, new Dictionary<string, string[]> { ["member"] = ["create"], ["project"] = ["read"] }, Now));
    }

    [Fact]
    public void A_dynamic_role_named_like_a_static_one_extends_it_resource_by_resource()
    {
        Assert.True(Allowed("member", "team:create", Dynamic));
        Assert.True(Allowed("member", "ac:read", Dynamic));
        Assert.False(Allowed("member", "team:update", Dynamic));
        Assert.False(Allowed("member", "team:create"));
    }

    [Fact]
    public void A_new_dynamic_role_grants_its_own_permissions_only()
    {
        Assert.All(AllPermissions, p => Assert.Equal(p is "member:create" or "ac:read", Allowed("auditor", p, Dynamic)));
        Assert.True(Allowed("member,auditor", "member:create", Dynamic));
        Assert.All(AllPermissions, p => Assert.False(Allowed("auditor", p)));
    }

    [Fact]
    public void Rows_of_one_dynamic_role_are_unioned()
    {
        var rows = DynamicRoleSet.FromRows([("auditor", """{"member":["create"]}"""), ("auditor", """{"member":["update"],"ac":["read"]}""")]);

        Assert.True(Allowed("auditor", "member:create", rows));
        Assert.True(Allowed("auditor", "member:update", rows));
        Assert.True(Allowed("auditor", "ac:read", rows));
        Assert.False(Allowed("auditor", "member:delete", rows));
    }

    [Fact]
    public void Dynamic_roles_count_only_with_dynamic_access_control()
    {
        var off = PermissionOracle.Parse(File.ReadAllText(PermissionOracle.FindHarnessPolicy()!).Replace("\"enabled\": true", "\"enabled\": false", StringComparison.Ordinal), "off");

        Assert.False(off.DynamicAccessControl);
        Assert.False(off.IsAllowed(false, null, "member", Dynamic, "team", "create", Now));
        Assert.False(off.IsAllowed(false, null, "auditor", Dynamic, "ac", "read", Now));
        Assert.True(off.IsAllowed(false, null, "member", Dynamic, "ac", "read", Now));
    }

    [Theory]
    [InlineData("""["member"]""")]
    [InlineData("""{"member":"create"}""")]
    [InlineData("""{"member":[1]}""")]
    [InlineData("not json")]
    public void A_malformed_dynamic_role_is_refused(string permission)
    {
        Assert.Throws<FormatException>(() => DynamicRoleSet.FromRows([("auditor", permission)]));
    }

    [Theory]
    [InlineData(true, null, false)]
    [InlineData(true, 60, false)]
    [InlineData(true, 0, false)] // Better Auth lifts a ban only once banExpires < now
    [InlineData(true, -1, true)]
    [InlineData(false, null, true)]
    [InlineData(false, -60, true)]
    public void Banned_users_are_denied_while_the_ban_lasts(bool banned, int? expiresInMinutes, bool allowed)
    {
        DateTime? expires = expiresInMinutes is { } minutes ? Now.AddMinutes(minutes) : null;

        Assert.Equal(allowed, Harness.IsAllowed(banned, expires, "owner", DynamicRoleSet.Empty, "member", "create", Now));
        Assert.Equal(allowed, Harness.IsAllowed(banned, expires, "owner", DynamicRoleSet.Empty, new Dictionary<string, string[]> { ["member"] = ["create"] }, Now));
    }

    [Fact]
    public void Ban_mode_ignore_is_Better_Auths_own_behaviour()
    {
        var ignore = PermissionOracle.Parse(File.ReadAllText(PermissionOracle.FindHarnessPolicy()!).Replace("\"mode\": \"deny\"", "\"mode\": \"ignore\"", StringComparison.Ordinal), "ignore");

        Assert.False(ignore.DeniesBannedUsers);
        Assert.True(ignore.IsAllowed(true, null, "owner", DynamicRoleSet.Empty, "member", "create", Now));
    }

    [Fact]
    public void Non_members_are_denied_whatever_else_they_are()
    {
        Assert.All(AllPermissions, p =>
        {
            var (resource, action) = (p.Split(':')[0], p.Split(':')[1]);
            Assert.False(Harness.IsAllowed(false, null, null, Dynamic, resource, action, Now));
        });
    }

    [Theory]
    [InlineData("""{ "organization": { "roles": {} } }""", "statements")]
    [InlineData("""{ "organization": { "statements": {} } }""", "roles")]
    [InlineData("""{ "organization": { "statements": { "x": "a" }, "roles": {} } }""", "organization.statements.x")]
    [InlineData("""{ "organization": { "statements": {}, "roles": { "r": { "x": [1] } } } }""", "organization.roles.r.x")]
    [InlineData("""{ "organization": { "statements": {}, "roles": {} }, "bans": { "mode": "maybe" } }""", "bans.mode")]
    [InlineData("""{ "organization": """, "not JSON")]
    public void A_policy_the_oracle_cannot_use_is_refused_naming_the_key(string json, string key)
    {
        var e = Assert.Throws<FormatException>(() => PermissionOracle.Parse(json, "p.json"));

        Assert.Contains("p.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    private static bool Allowed(string role, string permission, DynamicRoleSet? dynamic = null)
    {
        var (resource, action) = (permission.Split(':')[0], permission.Split(':')[1]);
        var single = Harness.IsAllowed(false, null, role, dynamic ?? DynamicRoleSet.Empty, resource, action, Now);
        var general = Harness.IsAllowed(false, null, role, dynamic ?? DynamicRoleSet.Empty, new Dictionary<string, string[]> { [resource] = [action] }, Now);
        Assert.Equal(single, general);
        return single;
    }
}
