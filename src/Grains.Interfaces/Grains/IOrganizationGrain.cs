using System.Collections.Immutable;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Interfaces.Grains;

/// <summary>
/// OrganizationGrain(organization id): the organization's role set with its dynamic roles (<c>organizationRole</c>
/// rows) merged, or the error of a malformed row. Asked by a UserGrain only when dynamic roles are on and the user is a
/// member; the grain is a stateless worker, so every silo has its own activation and the call never leaves the silo.
/// </summary>
[Alias("perms.IOrganizationGrain")]
public interface IOrganizationGrain : IGrainWithStringKey
{
    /// <summary>Does one of <paramref name="memberRoles"/> grant all of <paramref name="request"/> here?</summary>
    /// <param name="user">The user's row (exists, not banned: the UserGrain checked).</param>
    /// <param name="memberRoles">The member's role names in this organization.</param>
    /// <param name="request">What is asked.</param>
    /// <param name="consistency">How fresh the organization's roles must be.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    [Alias("CheckMember")]
    ValueTask<OrganizationDecision> CheckMemberAsync(UserRecord user, ImmutableArray<string> memberRoles, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>Every (resource, action) that <paramref name="memberRoles"/> grant here, and through which roles.</summary>
    [Alias("GetGrants")]
    ValueTask<OrganizationGrants> GetGrantsAsync(ImmutableArray<string> memberRoles, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>Drops the state and discards a load in flight. Never loads.</summary>
    /// <returns>Whether the grain held state or a load to drop.</returns>
    [Alias("Invalidate")]
    ValueTask<bool> InvalidateAsync();
}
