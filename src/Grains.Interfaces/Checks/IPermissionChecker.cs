using Perms.Grains.Interfaces.Permissions;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>
/// Answers checks from the grains of the silo that owns the user: what the gateway calls (in process, or through the
/// silo's internal API). Failures are exceptions — <see cref="Errors.StateUnavailableException"/> or
/// <see cref="Errors.InvalidStateException"/> — never decisions.
/// </summary>
public interface IPermissionChecker
{
    /// <summary>May <paramref name="userId"/> do all of <paramref name="request"/> in <paramref name="organizationId"/>? (Better Auth's organization plugin.)</summary>
    ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken);

    /// <summary>May <paramref name="userId"/> do all of <paramref name="request"/> at platform level? (Better Auth's admin plugin.)</summary>
    ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken);

    /// <summary>Every (resource, action) <paramref name="userId"/> holds in <paramref name="organizationId"/>, and through which roles.</summary>
    ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken);

    /// <summary>The user's memberships and platform roles as the UserGrain holds them, and when they were read.</summary>
    ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken);
}
