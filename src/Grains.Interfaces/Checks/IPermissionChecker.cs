using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.State;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>
/// Answers checks from the grains of the silo that owns the user: what the gateway calls (in process, or through the
/// silo's internal API). Failures are exceptions — <see cref="Errors.StateUnavailableException"/> or
/// <see cref="Errors.InvalidStateException"/> — never decisions.
/// </summary>
public interface IPermissionChecker
{
    /// <summary>May <paramref name="userId"/> do all of <paramref name="request"/> in <paramref name="organizationId"/>? (Better Auth's organization plugin.)</summary>
    ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, CancellationToken cancellationToken);

    /// <summary>May <paramref name="userId"/> do all of <paramref name="request"/> at platform level? (Better Auth's admin plugin.)</summary>
    ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, CancellationToken cancellationToken);

    /// <summary>The user's memberships as the UserGrain holds them, and when they were read.</summary>
    ValueTask<UserSnapshot> GetMembershipsAsync(string userId, CancellationToken cancellationToken);
}
