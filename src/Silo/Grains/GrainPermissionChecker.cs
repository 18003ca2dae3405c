using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Silo.Grains;

/// <summary>
/// <see cref="IPermissionChecker"/> over Orleans: each call goes to the user's
/// <see cref="Perms.Grains.Interfaces.Grains.IUserGrain"/>, wherever Orleans placed it. The caller's cancellation (its
/// gRPC deadline) becomes the grain call's. A grain whose silo cannot be reached (it died and the membership has not
/// declared it dead yet, or a message was rejected or timed out) is UNAVAILABLE, never a decision.
/// </summary>
/// <param name="grains">Builds the grain references.</param>
public sealed class GrainPermissionChecker(GrainReferences grains) : IPermissionChecker
{
    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(grains.User(userId).CheckOrganizationAsync(organizationId, request, consistency, cancellationToken));

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(grains.User(userId).CheckPlatformAsync(request, consistency, cancellationToken));

    /// <inheritdoc />
    public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(grains.User(userId).GetEffectivePermissionsAsync(organizationId, consistency, cancellationToken));

    /// <inheritdoc />
    public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(grains.User(userId).GetMembershipsAsync(consistency, cancellationToken));

    private static ValueTask<T> Guard<T>(ValueTask<T> call) => call.IsCompletedSuccessfully ? call : GuardAsync(call);

    private static async ValueTask<T> GuardAsync<T>(ValueTask<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            throw new StateUnavailableException($"the silo holding the grain did not answer: {e.Message}");
        }
    }
}
