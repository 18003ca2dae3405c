using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Grains.Interfaces.Grains;

/// <summary>
/// UserGrain(Better Auth user id): the user's row and memberships, loaded from Better Auth's tables on the first call
/// that needs them and answered from memory afterwards. Failures are exceptions —
/// <see cref="Errors.StateUnavailableException"/> or <see cref="Errors.InvalidStateException"/> — never decisions.
/// </summary>
[Alias("perms.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>May this user do all of <paramref name="request"/> in <paramref name="organizationId"/>? (Better Auth's organization plugin.)</summary>
    [Alias("CheckOrganization")]
    ValueTask<CheckResult> CheckOrganizationAsync(string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>May this user do all of <paramref name="request"/> at platform level? (Better Auth's admin plugin.)</summary>
    [Alias("CheckPlatform")]
    ValueTask<CheckResult> CheckPlatformAsync(PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>Every (resource, action) this user holds in <paramref name="organizationId"/>, and through which roles.</summary>
    [Alias("GetEffectivePermissions")]
    ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string organizationId, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>The user's memberships and platform roles as this grain holds them, and when they were read.</summary>
    [Alias("GetMemberships")]
    ValueTask<UserMemberships> GetMembershipsAsync(ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops the state and discards a load in flight, so the next call reads PostgreSQL again. Never loads.
    /// </summary>
    /// <returns>Whether the grain held state or a load to drop.</returns>
    [Alias("Invalidate")]
    ValueTask<bool> InvalidateAsync();

    /// <summary>Invalidates, then asks Orleans to deactivate the grain once it is idle (an operator's action).</summary>
    /// <returns>Whether the grain held state or a load to drop.</returns>
    [Alias("Deactivate")]
    ValueTask<bool> DeactivateAsync();
}
