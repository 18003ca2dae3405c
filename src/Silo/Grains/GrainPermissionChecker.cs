using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Silo.Grains;

/// <summary>
/// <see cref="IPermissionChecker"/> over Orleans: each call goes to the user's <see cref="Perms.Grains.Interfaces.Grains.IUserGrain"/>, wherever
/// Orleans placed it. The caller's cancellation (its gRPC deadline) becomes the grain call's.
/// </summary>
/// <param name="grains">Builds the grain references.</param>
public sealed class GrainPermissionChecker(GrainReferences grains) : IPermissionChecker
{
    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        grains.User(userId).CheckOrganizationAsync(organizationId, request, consistency, cancellationToken);

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        grains.User(userId).CheckPlatformAsync(request, consistency, cancellationToken);

    /// <inheritdoc />
    public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        grains.User(userId).GetEffectivePermissionsAsync(organizationId, consistency, cancellationToken);

    /// <inheritdoc />
    public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        grains.User(userId).GetMembershipsAsync(consistency, cancellationToken);
}
