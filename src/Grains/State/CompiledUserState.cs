using System.Collections.Frozen;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;

namespace Perms.Grains.State;

/// <summary>
/// A user's snapshot compiled for checks: role strings split once, memberships indexed by organization. Immutable;
/// what a UserGrain holds.
/// </summary>
public sealed class CompiledUserState
{
    /// <summary>Compiles <paramref name="snapshot"/> under <paramref name="policy"/>.</summary>
    public CompiledUserState(UserSnapshot snapshot, CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(policy);
        Snapshot = snapshot;
        PlatformRoles = snapshot.User is { } user ? policy.PlatformRolesOf(user) : RoleNames.None;
        MemberRoles = snapshot.Memberships.ToFrozenDictionary(
            m => m.OrganizationId,
            m => m.RoleColumns.Aggregate(RoleNames.None, (roles, column) => roles.Union(RoleNames.ParseOrganization(column))),
            StringComparer.Ordinal);
    }

    /// <summary>What was read.</summary>
    public UserSnapshot Snapshot { get; }

    /// <summary>The user row, or null when there is none.</summary>
    public UserRecord? User => Snapshot.User;

    /// <summary>The user's platform (admin plugin) roles.</summary>
    public RoleNames PlatformRoles { get; }

    /// <summary>Organization id → the member's roles there (duplicate member rows unioned).</summary>
    public FrozenDictionary<string, RoleNames> MemberRoles { get; }

    /// <summary>The member's roles in <paramref name="organizationId"/>, or null when not a member. Allocates nothing.</summary>
    public RoleNames? RolesIn(string organizationId) => MemberRoles.GetValueOrDefault(organizationId);
}
