using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Permissions;

/// <summary>
/// One test (or theory) per row of the organization-plugin table in shared/design/better-auth-semantics.md.
/// Expected values were read from better-auth 1.7.25 (plugins/access/access.mjs, plugins/organization/*.mjs).
/// </summary>
public sealed class OrganizationSemanticsTests
{
    private const string CustomRoles = """
        {
          "organization": {
            "statements": { "project": ["create", "read", "update", "delete"], "billing": ["read", "update"] },
            "roles": {
              "owner":  { "project": ["read"] },
              "editor": { "project": ["read", "update"] },
              "viewer": { "project": ["read"] },
              "biller": { "billing": ["read", "update"] }
            }
          }
        }
        """;

    public static TheoryData<string, string, string, bool> DefaultRoleGrid()
    {
        var data = new TheoryData<string, string, string, bool>();
        var all = new (string Resource, string[] Actions)[]
        {
            ("organization", ["update", "delete"]),
            ("member", ["create", "update", "delete"]),
            ("invitation", ["create", "cancel"]),
            ("team", ["create", "update", "delete"]),
            ("ac", ["create", "read", "update", "delete"]),
        };
        foreach (var (resource, actions) in all)
        {
            foreach (var action in actions)
            {
                data.Add("owner", resource, action, true);
                data.Add("admin", resource, action, !(resource == "organization" && action == "delete"));
                data.Add("member", resource, action, resource == "ac" && action == "read");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DefaultRoleGrid))]
    public void Default_roles_grant_exactly_what_Better_Auth_defines(string role, string resource, string action, bool expected)
    {
        var decision = Organization(role, Request((resource, [action])));

        Assert.Equal(expected, decision.Allowed);
        Assert.Equal(expected ? role : null, decision.GrantedByRole);
    }

    [Fact]
    public void Default_statements_are_Better_Auths()
    {
        var statements = DefaultPolicy.OrganizationRoles.Statements.Select(s => $"{s.Resource}:{string.Join("|", s.Actions)}");

        Assert.Equal(
            ["organization:update|delete", "member:create|update|delete", "invitation:create|cancel", "team:create|update|delete", "ac:create|read|update|delete"],
            statements);
    }

    [Fact]
    public void Custom_roles_replace_the_default_roles()
    {
        var policy = PolicyFrom(CustomRoles);

        Assert.True(Organization("viewer", Request(("project", ["read"])), policy).Allowed);
        Assert.False(Organization("admin", Request(("project", ["read"])), policy).Allowed);
        Assert.Equal(DecisionReason.UnknownPermission, Organization("owner", Request(("organization", ["update"])), policy).Reason);
    }

    [Theory]
    [InlineData("admin,member", "admin")]
    [InlineData("member, admin", "admin")]
    [InlineData("  admin  ", "admin")]
    [InlineData("\tadmin\n", "admin")]
    [InlineData("\uFEFFadmin", "admin")] // JavaScript's trim strips U+FEFF; .NET's Trim() would not.
    [InlineData(",,admin,,", "admin")]
    public void Member_roles_are_split_on_commas_and_trimmed_like_Better_Auth(string stored, string granting)
    {
        var decision = Organization(stored, Request(("member", ["create"])));

        Assert.True(decision.Allowed);
        Assert.Equal(granting, decision.GrantedByRole);
    }

    [Theory]
    [InlineData("\u0085admin")] // NEL is not JavaScript white space, so it stays part of the name: no such role.
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData(null)]
    public void Member_roles_that_trim_to_nothing_known_grant_nothing(string? stored)
    {
        var decision = Organization(stored, Request(("member", ["create"])));

        Assert.False(decision.Allowed);
        Assert.Equal(DecisionReason.NoRoleGrants, decision.Reason);
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("OWNER")]
    [InlineData("owner.")]
    public void Role_names_match_exactly_and_case_sensitively(string stored)
    {
        Assert.False(Organization(stored, Request(("organization", ["delete"]))).Allowed);
    }

    [Fact]
    public void One_single_role_must_grant_everything_grants_are_never_combined()
    {
        var policy = PolicyFrom(CustomRoles);
        var both = Request(("project", ["update"]), ("billing", ["read"]));

        var decision = Organization("editor,biller", both, policy);

        Assert.False(decision.Allowed);
        Assert.Equal(DecisionReason.NoRoleGrants, decision.Reason);
        Assert.True(Organization("editor,biller", Request(("project", ["update"])), policy).Allowed);
        Assert.True(Organization("editor,biller", Request(("billing", ["read"])), policy).Allowed);
    }

    [Fact]
    public void The_first_role_in_stored_order_that_grants_is_reported()
    {
        Assert.Equal("admin", Organization("member,admin,owner", Request(("member", ["create"]))).GrantedByRole);
        Assert.Equal("owner", Organization("owner,admin", Request(("member", ["create"]))).GrantedByRole);
    }

    [Fact]
    public void Every_resource_must_exist_in_the_role_and_every_action_be_allowed()
    {
        Assert.True(Organization("admin", Request(("member", ["create", "update", "delete"]), ("team", ["create"]))).Allowed);
        Assert.False(Organization("admin", Request(("member", ["create"]), ("organization", ["update", "delete"]))).Allowed);
        Assert.False(Organization("member", Request(("ac", ["read"]), ("member", ["create"]))).Allowed);
    }

    [Fact]
    public void An_empty_request_is_denied()
    {
        var decision = Organization("owner", Request());

        Assert.False(decision.Allowed);
        Assert.Equal(DecisionReason.EmptyRequest, decision.Reason);
    }

    [Fact]
    public void An_empty_action_list_is_denied_even_beside_granted_resources()
    {
        Assert.Equal(DecisionReason.EmptyRequest, Organization("owner", Request(("member", []))).Reason);
        Assert.Equal(DecisionReason.EmptyRequest, Organization("owner", Request(("member", ["create"]), ("team", []))).Reason);
    }

    [Theory]
    [InlineData("project", "read")]
    [InlineData("member", "archive")]
    [InlineData("Member", "create")]
    public void Unknown_resources_and_actions_are_denied_with_their_own_reason(string resource, string action)
    {
        var decision = Organization("owner", Request((resource, [action])));

        Assert.False(decision.Allowed);
        Assert.Equal(DecisionReason.UnknownPermission, decision.Reason);
    }

    [Fact]
    public void A_user_who_is_not_a_member_is_denied()
    {
        var decision = PermissionEvaluator.CheckOrganization(DefaultPolicy, DefaultPolicy.OrganizationRoles, User(), memberRoles: null, Request(("ac", ["read"])), Now);

        Assert.Equal(PermissionDecision.Denied(DecisionReason.NotAMember), decision);
    }

    [Fact]
    public void A_user_row_that_does_not_exist_is_denied()
    {
        var decision = PermissionEvaluator.CheckOrganization(DefaultPolicy, DefaultPolicy.OrganizationRoles, user: null, RoleNames.ParseOrganization("owner"), Request(("ac", ["read"])), Now);

        Assert.Equal(PermissionDecision.Denied(DecisionReason.UserNotFound), decision);
    }

    [Fact]
    public void A_platform_admin_gets_no_special_treatment_in_an_organization()
    {
        var admin = User(role: "admin");

        var notMember = PermissionEvaluator.CheckOrganization(DefaultPolicy, DefaultPolicy.OrganizationRoles, admin, memberRoles: null, Request(("member", ["create"])), Now);
        var plainMember = Organization("member", Request(("member", ["create"])), user: admin);

        Assert.Equal(DecisionReason.NotAMember, notMember.Reason);
        Assert.False(plainMember.Allowed);
    }

    [Fact]
    public void The_creator_role_has_only_its_statements()
    {
        var policy = PolicyFrom(CustomRoles);

        Assert.False(Organization("owner", Request(("project", ["delete"])), policy).Allowed);
        Assert.True(Organization("owner", Request(("project", ["read"])), policy).Allowed);
    }

    [Fact]
    public void Duplicate_member_rows_count_with_the_union_of_their_roles()
    {
        var roles = RoleNames.ParseOrganization("member").Union(RoleNames.ParseOrganization("admin, member"));

        var decision = PermissionEvaluator.CheckOrganization(DefaultPolicy, DefaultPolicy.OrganizationRoles, User(), roles, Request(("member", ["create"])), Now);

        Assert.Equal(["member", "admin"], roles.Names);
        Assert.Equal(PermissionDecision.GrantedBy("admin"), decision);
    }

    [Theory]
    [InlineData("constructor")]
    [InlineData("__proto__")]
    [InlineData("toString")]
    [InlineData("hasOwnProperty")]
    [InlineData("valueOf")]
    public void Role_names_like_JavaScript_prototype_keys_are_unknown_roles(string name)
    {
        // Better Auth throws a TypeError (HTTP 500) when it reaches such a role; Perms treats it as unknown.
        Assert.Equal(DecisionReason.NoRoleGrants, Organization(name, Request(("ac", ["read"]))).Reason);
        Assert.Equal(PermissionDecision.GrantedBy("member"), Organization($"{name},member", Request(("ac", ["read"]))));
    }

    [Theory]
    [InlineData("constructor")]
    [InlineData("__proto__")]
    [InlineData("toString")]
    public void Resources_and_actions_like_JavaScript_prototype_keys_are_unknown(string name)
    {
        Assert.Equal(DecisionReason.UnknownPermission, Organization("owner", Request((name, ["read"]))).Reason);
        Assert.Equal(DecisionReason.UnknownPermission, Organization("owner", Request(("member", [name]))).Reason);
    }
}
