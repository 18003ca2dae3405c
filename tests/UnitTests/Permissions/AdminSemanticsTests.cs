using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Permissions;

/// <summary>
/// One test (or theory) per row of the admin-plugin table in shared/design/better-auth-semantics.md
/// (better-auth 1.7.25 plugins/admin/has-permission.mjs and admin/access/statement.mjs).
/// </summary>
public sealed class AdminSemanticsTests
{
    private static readonly string[] UserActions =
        ["create", "list", "set-role", "ban", "impersonate", "impersonate-admins", "delete", "set-password", "set-email", "set-phone", "get", "update"];

    public static TheoryData<string, string, string, bool> DefaultRoleGrid()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var action in UserActions)
        {
            data.Add("admin", "user", action, action != "impersonate-admins");
            data.Add("user", "user", action, false);
        }

        foreach (var action in new[] { "list", "revoke", "delete" })
        {
            data.Add("admin", "session", action, true);
            data.Add("user", "session", action, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DefaultRoleGrid))]
    public void Default_roles_grant_exactly_what_Better_Auth_defines(string role, string resource, string action, bool expected)
    {
        Assert.Equal(expected, Platform(role, Request((resource, [action]))).Allowed);
    }

    [Fact]
    public void Default_statements_are_Better_Auths()
    {
        var statements = DefaultPolicy.AdminRoles.Statements.Select(s => $"{s.Resource}:{string.Join("|", s.Actions)}");

        Assert.Equal(["user:" + string.Join("|", UserActions), "session:list|revoke|delete"], statements);
    }

    [Theory]
    [InlineData("user,admin", true)]
    [InlineData("admin,user", true)]
    [InlineData("user, admin", false)] // no trimming on the admin plugin's side: " admin" is not "admin"
    [InlineData(" admin", false)]
    [InlineData("admin ", false)]
    [InlineData("Admin", false)]
    [InlineData("admin,", true)]
    public void User_roles_are_split_on_commas_without_trimming(string stored, bool expected)
    {
        Assert.Equal(expected, Platform(stored, Request(("user", ["ban"]))).Allowed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_user_role_means_the_default_role(string? stored)
    {
        var toAdmin = PolicyFrom("""{ "admin": { "defaultRole": "admin" } }""");

        Assert.False(Platform(stored, Request(("user", ["list"]))).Allowed);
        Assert.Equal(PermissionDecision.GrantedBy("admin"), Platform(stored, Request(("user", ["list"])), toAdmin));
    }

    [Fact]
    public void Custom_admin_roles_replace_the_defaults()
    {
        var policy = PolicyFrom("""
            { "admin": {
                "statements": { "user": ["ban", "list"], "report": ["read"] },
                "roles": { "support": { "user": ["list"], "report": ["read"] }, "user": {} } } }
            """);

        Assert.Equal(PermissionDecision.GrantedBy("support"), Platform("support", Request(("user", ["list"]), ("report", ["read"])), policy));
        Assert.False(Platform("admin", Request(("user", ["list"])), policy).Allowed);
    }

    [Fact]
    public void Listed_admin_user_ids_pass_every_check_even_empty_or_unknown_ones()
    {
        var policy = PolicyFrom("""{ "admin": { "adminUserIds": ["root-1"] } }""");

        Assert.Equal(PermissionDecision.AdminUserId, Platform("user", Request(("user", ["impersonate-admins"])), policy, userId: "root-1"));
        Assert.Equal(PermissionDecision.AdminUserId, Platform(null, Request(), policy, userId: "root-1"));
        Assert.Equal(PermissionDecision.AdminUserId, Platform(null, Request(("nothing", ["at-all"])), policy, userId: "root-1"));
        Assert.False(Platform("user", Request(("user", ["list"])), policy, userId: "root-2").Allowed);
    }

    [Fact]
    public void An_empty_request_and_an_unknown_permission_are_denied_with_their_reasons()
    {
        Assert.Equal(DecisionReason.EmptyRequest, Platform("admin", Request()).Reason);
        Assert.Equal(DecisionReason.EmptyRequest, Platform("admin", Request(("user", []))).Reason);
        Assert.Equal(DecisionReason.UnknownPermission, Platform("admin", Request(("user", ["fly"]))).Reason);
    }

    [Theory]
    [InlineData("constructor")]
    [InlineData("__proto__")]
    [InlineData("toString")]
    public void Platform_roles_named_like_prototype_keys_are_unknown_roles(string name)
    {
        Assert.Equal(DecisionReason.NoRoleGrants, Platform(name, Request(("user", ["list"]))).Reason);
        Assert.True(Platform($"{name},admin", Request(("user", ["list"]))).Allowed);
    }

    [Fact]
    public void A_user_row_that_does_not_exist_is_denied()
    {
        var decision = PermissionEvaluator.CheckPlatform(DefaultPolicy, user: null, RoleNames.None, Request(("user", ["list"])), Now);

        Assert.Equal(DecisionReason.UserNotFound, decision.Reason);
    }
}
