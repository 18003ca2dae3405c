using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.State;

namespace Perms.Grains.Permissions;

/// <summary>
/// Better Auth 1.7's permission checks over compiled state: the organization plugin's <c>hasPermission</c> and the
/// admin plugin's <c>userHasPermission</c>, with Perms' documented differences (bans, prototype-key names). Pure and
/// allocation-free: everything that needs parsing was parsed when the state was loaded.
/// </summary>
public static class PermissionEvaluator
{
    /// <summary>May the user do all of <paramref name="request"/> in the organization whose roles are given?</summary>
    /// <param name="policy">The compiled policy (ban mode).</param>
    /// <param name="organizationRoles">The organization's roles (<see cref="CompiledPolicy.RolesForOrganization"/>).</param>
    /// <param name="user">The user row, or null if there is none.</param>
    /// <param name="memberRoles">The member's roles in that organization, or null if the user is not a member.</param>
    /// <param name="request">What is asked.</param>
    /// <param name="now">The current time, for ban expiry.</param>
    public static PermissionDecision CheckOrganization(
        CompiledPolicy policy,
        RoleSet organizationRoles,
        UserRecord? user,
        RoleNames? memberRoles,
        PermissionRequest request,
        DateTimeOffset now)
    {
        if (user is null)
        {
            return PermissionDecision.Denied(DecisionReason.UserNotFound);
        }

        if (policy.BanMode == BanMode.Deny && user.IsBannedAt(now))
        {
            return PermissionDecision.Denied(DecisionReason.Banned);
        }

        if (memberRoles is null)
        {
            return PermissionDecision.Denied(DecisionReason.NotAMember);
        }

        return FirstGrantingRole(organizationRoles, memberRoles, request);
    }

    /// <summary>
    /// May the user do all of <paramref name="request"/> in the organization, from compiled snapshots. The order is
    /// Better Auth's: a non-member is answered before the organization's roles are read, so a malformed dynamic role
    /// fails only its members' checks.
    /// </summary>
    /// <exception cref="DynamicRoleException">The user is a member and a dynamic role of the organization is malformed.</exception>
    public static PermissionDecision CheckOrganization(
        CompiledPolicy policy,
        CompiledUserState user,
        CompiledOrganizationState organization,
        PermissionRequest request,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(organization);
        var organizationId = organization.Snapshot.OrganizationId;
        var roles = NeedsOrganizationRoles(policy, user, organizationId, now) ? organization.RolesOrThrow() : policy.OrganizationRoles;
        return CheckOrganization(policy, roles, user.User, user.RolesIn(organizationId), request, now);
    }

    /// <summary>
    /// Whether a check in <paramref name="organizationId"/> reaches the organization's own roles: only when dynamic
    /// roles are on and the user exists, is not banned (deny mode) and is a member. Otherwise the static roles decide
    /// (or nothing does), and the organization need not be loaded at all.
    /// </summary>
    public static bool NeedsOrganizationRoles(CompiledPolicy policy, CompiledUserState user, string organizationId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(user);
        return policy.DynamicAccessControl
            && user.User is { } row
            && !(policy.BanMode == BanMode.Deny && row.IsBannedAt(now))
            && user.RolesIn(organizationId) is not null;
    }

    /// <summary>May the user do all of <paramref name="request"/> at platform level, from a compiled snapshot.</summary>
    public static PermissionDecision CheckPlatform(CompiledPolicy policy, CompiledUserState user, PermissionRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        return CheckPlatform(policy, user.User, user.PlatformRoles, request, now);
    }

    /// <summary>May the user do all of <paramref name="request"/> at platform level (admin plugin, no organization)?</summary>
    /// <param name="policy">The compiled policy (admin roles, adminUserIds, ban mode).</param>
    /// <param name="user">The user row, or null if there is none.</param>
    /// <param name="platformRoles">The user's platform roles (<see cref="CompiledPolicy.PlatformRolesOf"/>).</param>
    /// <param name="request">What is asked.</param>
    /// <param name="now">The current time, for ban expiry.</param>
    public static PermissionDecision CheckPlatform(
        CompiledPolicy policy,
        UserRecord? user,
        RoleNames platformRoles,
        PermissionRequest request,
        DateTimeOffset now)
    {
        if (user is null)
        {
            return PermissionDecision.Denied(DecisionReason.UserNotFound);
        }

        if (policy.BanMode == BanMode.Deny && user.IsBannedAt(now))
        {
            return PermissionDecision.Denied(DecisionReason.Banned);
        }

        // Better Auth checks adminUserIds before it looks at the request at all: even an empty request passes.
        if (policy.AdminUserIds.Contains(user.Id))
        {
            return PermissionDecision.AdminUserId;
        }

        return FirstGrantingRole(policy.AdminRoles, platformRoles, request);
    }

    private static PermissionDecision FirstGrantingRole(RoleSet roles, RoleNames held, PermissionRequest request)
    {
        if (request.IsEmpty)
        {
            return PermissionDecision.Denied(DecisionReason.EmptyRequest);
        }

        // One single role must grant the whole request; grants are never combined across roles. Roles are tried in
        // stored order, so the granting role reported is the one Better Auth would stop at.
        foreach (var name in held.Names)
        {
            if (roles.TryGetRole(name, out var role) && role.Grants(request))
            {
                return PermissionDecision.GrantedBy(role.Name);
            }
        }

        return PermissionDecision.Denied(roles.Declares(request) ? DecisionReason.NoRoleGrants : DecisionReason.UnknownPermission);
    }
}
