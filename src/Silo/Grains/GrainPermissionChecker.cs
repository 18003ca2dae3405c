using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Silo.Grains;

/// <summary>
/// <see cref="IPermissionChecker"/> over Orleans: each call goes to the user's
/// <see cref="Perms.Grains.Interfaces.Grains.IUserGrain"/>, wherever Orleans placed it. The caller's cancellation (its
/// gRPC deadline) becomes the grain call's.
/// </summary>
/// <remarks>
/// A call rejected because the grain's silo is leaving or gone (Orleans' message rejection: the silo stopping, dead,
/// or unreachable) is tried once more: every method here only reads, so a second try is safe, and it reaches the
/// grain's new activation once the directory has moved on — what turns a graceful shutdown of a silo into no error at
/// all for most callers. A second failure, or a timeout (which a retry would only double), is UNAVAILABLE, never a
/// decision.
/// </remarks>
/// <param name="grains">Builds the grain references.</param>
public sealed class GrainPermissionChecker(GrainReferences grains) : IPermissionChecker
{
    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(
            (grains, userId, organizationId, request, consistency, cancellationToken),
            static s => s.grains.User(s.userId).CheckOrganizationAsync(s.organizationId, s.request, s.consistency, s.cancellationToken));

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(
            (grains, userId, request, consistency, cancellationToken),
            static s => s.grains.User(s.userId).CheckPlatformAsync(s.request, s.consistency, s.cancellationToken));

    /// <inheritdoc />
    public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(
            (grains, userId, organizationId, consistency, cancellationToken),
            static s => s.grains.User(s.userId).GetEffectivePermissionsAsync(s.organizationId, s.consistency, s.cancellationToken));

    /// <inheritdoc />
    public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) =>
        Guard(
            (grains, userId, consistency, cancellationToken),
            static s => s.grains.User(s.userId).GetMembershipsAsync(s.consistency, s.cancellationToken));

    private static ValueTask<T> Guard<TState, T>(TState state, Func<TState, ValueTask<T>> call)
    {
        var first = call(state);
        return first.IsCompletedSuccessfully ? first : GuardAsync(first, state, call);
    }

    private static async ValueTask<T> GuardAsync<TState, T>(ValueTask<T> first, TState state, Func<TState, ValueTask<T>> call)
    {
        try
        {
            return await first.ConfigureAwait(false);
        }
        catch (OrleansMessageRejectionException)
        {
            // The silo holding the grain is stopping or gone: once more, to wherever the grain lives now.
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            throw Unavailable(e);
        }

        try
        {
            return await call(state).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            throw Unavailable(e);
        }
    }

    private static StateUnavailableException Unavailable(Exception e) => new($"the silo holding the grain did not answer: {e.Message}");
}
