using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;
using Perms.Grains.State;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.State;

public sealed class CompiledStateTests
{
    private static readonly CompiledPolicy Dynamic = PolicyFrom("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""");

    [Fact]
    public void Duplicate_member_rows_are_unioned_and_memberships_indexed_by_organization()
    {
        var snapshot = new UserSnapshot("u1", User(role: "user, admin"),
        [
            new MembershipRecord("org-a", ["member", " admin ,member"], ["team-1"]),
            new MembershipRecord("org-b", [null], []),
        ], Now);

        var state = new CompiledUserState(snapshot, DefaultPolicy);

        Assert.Equal(["member", "admin"], state.RolesIn("org-a")!.Names);
        Assert.Empty(state.RolesIn("org-b")!.Names);
        Assert.Null(state.RolesIn("org-c"));
        Assert.Equal(["user", " admin"], state.PlatformRoles.Names);
    }

    [Fact]
    public void A_missing_user_has_no_platform_roles()
    {
        var state = new CompiledUserState(new UserSnapshot("ghost", null, [], Now), DefaultPolicy);

        Assert.Null(state.User);
        Assert.Empty(state.PlatformRoles.Names);
    }

    [Fact]
    public void An_organization_with_a_malformed_dynamic_role_keeps_the_error_and_no_roles()
    {
        var snapshot = new OrganizationSnapshot("org1", true, [new DynamicRoleRow("r9", "org1", "auditor", "{oops")], Now);

        var state = new CompiledOrganizationState(snapshot, Dynamic);

        Assert.Null(state.Roles);
        Assert.Equal("r9", state.Error!.RowId);
    }

    [Fact]
    public void An_organizations_dynamic_roles_are_compiled_into_its_role_set()
    {
        var snapshot = new OrganizationSnapshot("org1", true, [new DynamicRoleRow("r1", "org1", "auditor", """{"member":["create"]}""")], Now);

        var state = new CompiledOrganizationState(snapshot, Dynamic);

        Assert.Null(state.Error);
        Assert.True(state.Roles!.Roles["auditor"].Grants(PermissionRequest.Of(("member", ["create"]))));
    }
}
