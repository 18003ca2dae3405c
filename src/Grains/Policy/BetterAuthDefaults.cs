using System.Collections.Immutable;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Policy;

/// <summary>
/// Better Auth 1.7's default statements and roles (<c>plugins/organization/access/statement.mjs</c> and
/// <c>plugins/admin/access/statement.mjs</c>), used where the policy file does not replace them.
/// policies/better-auth-default.json is the same, exported from the npm package; a test keeps the two equal.
/// </summary>
public static class BetterAuthDefaults
{
    /// <summary>The organization plugin's default statements.</summary>
    public static ImmutableArray<ResourceActions> OrganizationStatements { get; } =
    [
        Entry("organization", "update", "delete"),
        Entry("member", "create", "update", "delete"),
        Entry("invitation", "create", "cancel"),
        Entry("team", "create", "update", "delete"),
        Entry("ac", "create", "read", "update", "delete"),
    ];

    /// <summary>The organization plugin's default roles: admin (all but organization:delete), owner (all), member (ac:read).</summary>
    public static ImmutableArray<RoleDefinition> OrganizationRoles { get; } =
    [
        new("admin",
        [
            Entry("organization", "update"),
            Entry("invitation", "create", "cancel"),
            Entry("member", "create", "update", "delete"),
            Entry("team", "create", "update", "delete"),
            Entry("ac", "create", "read", "update", "delete"),
        ]),
        new("owner",
        [
            Entry("organization", "update", "delete"),
            Entry("member", "create", "update", "delete"),
            Entry("invitation", "create", "cancel"),
            Entry("team", "create", "update", "delete"),
            Entry("ac", "create", "read", "update", "delete"),
        ]),
        new("member",
        [
            Entry("organization"),
            Entry("member"),
            Entry("invitation"),
            Entry("team"),
            Entry("ac", "read"),
        ]),
    ];

    /// <summary>The admin plugin's default statements.</summary>
    public static ImmutableArray<ResourceActions> AdminStatements { get; } =
    [
        Entry("user", "create", "list", "set-role", "ban", "impersonate", "impersonate-admins", "delete", "set-password", "set-email", "set-phone", "get", "update"),
        Entry("session", "list", "revoke", "delete"),
    ];

    /// <summary>The admin plugin's default roles: admin (all but user:impersonate-admins) and user (nothing).</summary>
    public static ImmutableArray<RoleDefinition> AdminRoles { get; } =
    [
        new("admin",
        [
            Entry("user", "create", "list", "set-role", "ban", "impersonate", "delete", "set-password", "set-email", "set-phone", "get", "update"),
            Entry("session", "list", "revoke", "delete"),
        ]),
        new("user", [Entry("user"), Entry("session")]),
    ];

    /// <summary>The admin plugin's default <c>defaultRole</c>.</summary>
    public const string AdminDefaultRole = "user";

    /// <summary>The whole default policy.</summary>
    public static PolicyDocument Policy { get; } = new(
        new AccessControlPolicy(OrganizationStatements, OrganizationRoles),
        DynamicAccessControl: false,
        new AccessControlPolicy(AdminStatements, AdminRoles),
        AdminDefaultRole,
        AdminUserIds: [],
        BanMode.Deny);

    private static ResourceActions Entry(string resource, params string[] actions) => new(resource, [.. actions]);
}
