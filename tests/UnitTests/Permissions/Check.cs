using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.UnitTests.Permissions;

/// <summary>Shorthands that keep the semantics tests readable as a table.</summary>
internal static class Check
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public static CompiledPolicy DefaultPolicy { get; } = new(BetterAuthDefaults.Policy);

    public static UserRecord User(string id = "u1", string? role = null, bool banned = false, DateTimeOffset? banExpires = null) =>
        new(id, role, banned, banExpires);

    public static PermissionRequest Request(params (string Resource, string[] Actions)[] permissions) => PermissionRequest.Of(permissions);

    /// <summary>An organization check for a member whose stored <c>member.role</c> is <paramref name="memberRole"/>.</summary>
    public static PermissionDecision Organization(
        string? memberRole,
        PermissionRequest request,
        CompiledPolicy? policy = null,
        UserRecord? user = null,
        IEnumerable<DynamicRoleRow>? dynamicRoles = null)
    {
        policy ??= DefaultPolicy;
        var roles = policy.RolesForOrganization("org1", dynamicRoles ?? []);
        return PermissionEvaluator.CheckOrganization(policy, roles, user ?? User(), RoleNames.ParseOrganization(memberRole), request, Now);
    }

    /// <summary>A platform (admin plugin) check for a user whose stored <c>user.role</c> is <paramref name="userRole"/>.</summary>
    public static PermissionDecision Platform(string? userRole, PermissionRequest request, CompiledPolicy? policy = null, string userId = "u1", bool banned = false, DateTimeOffset? banExpires = null)
    {
        policy ??= DefaultPolicy;
        var user = User(userId, userRole, banned, banExpires);
        return PermissionEvaluator.CheckPlatform(policy, user, policy.PlatformRolesOf(user), request, Now);
    }

    public static CompiledPolicy PolicyFrom(string json) => new(PolicyParser.Parse(json, "test-policy.json"));

    public static DynamicRoleRow Row(string role, string? permission, string id = "r1") => new(id, "org1", role, permission);
}
