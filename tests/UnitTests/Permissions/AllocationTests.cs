using Perms.Grains.Permissions;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Permissions;

/// <summary>
/// The check path must not allocate (a target in shared/design/performance.md). Counting bytes is deterministic, so
/// this is a correctness test, not a timing test.
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Evaluating_organization_and_platform_checks_allocates_nothing()
    {
        var policy = PolicyFrom("""{ "organization": { "dynamicAccessControl": { "enabled": true } }, "admin": { "adminUserIds": ["root"] } }""");
        var roles = policy.RolesForOrganization("org1", [Row("member", """{"report":["export"]}""")]);
        var user = User(role: "user,admin");
        var platformRoles = policy.PlatformRolesOf(user);
        var memberRoles = RoleNames.ParseOrganization("member, admin");
        var allowed = Request(("member", ["create", "update"]), ("team", ["create"]));
        var denied = Request(("organization", ["delete"]));
        var unknown = Request(("nothing", ["x"]));
        var platform = Request(("user", ["ban"]));

        void Run()
        {
            PermissionEvaluator.CheckOrganization(policy, roles, user, memberRoles, allowed, Now);
            PermissionEvaluator.CheckOrganization(policy, roles, user, memberRoles, denied, Now);
            PermissionEvaluator.CheckOrganization(policy, roles, user, memberRoles, unknown, Now);
            PermissionEvaluator.CheckPlatform(policy, user, platformRoles, platform, Now);
        }

        Run(); // first calls may JIT-allocate
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
