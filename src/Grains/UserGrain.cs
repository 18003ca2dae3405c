using Orleans.Concurrency;
using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Grains;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;
using Perms.Grains.State;

namespace Perms.Grains;

/// <summary>
/// UserGrain(user id): one user's row and memberships, compiled, loaded on the first call that needs them. A warm check
/// is answered in the grain's turn without I/O; a check that reaches the organization's dynamic roles asks that
/// organization's grain on this silo.
/// </summary>
/// <remarks>
/// Reentrant: checks must not queue behind each other (or behind a load) on a hot user. That is safe because every
/// turn runs alone on the activation's scheduler and <see cref="CachedState{TState}"/> keeps its invariants between
/// awaits: one load in flight, shared by every waiter; an invalidation that interleaves with a load bumps a
/// generation, so that load is never installed.
/// </remarks>
/// <param name="services">The silo's shared grain services.</param>
[Reentrant]
[GrainType("perms.user")]
public sealed class UserGrain(GrainServices services) : CachingGrain<CompiledUserState>(services), IUserGrain
{
    private protected override LocalActivations<CompiledUserState> Activations => Services.Users;

    private protected override GrainStateOptions Options => Services.UserOptions;

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var user = Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken);
        return user.IsCompletedSuccessfully
            ? CheckOrganization(user.Result, organizationId, request, consistency, cancellationToken)
            : AwaitUserAsync(user, organizationId, request, consistency, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var user = Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken);
        return user.IsCompletedSuccessfully
            ? new ValueTask<CheckResult>(CheckPlatform(user.Result, request))
            : AwaitPlatformAsync(user, request);
    }

    /// <inheritdoc />
    public async ValueTask<UserMemberships> GetMembershipsAsync(ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var state = await Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken).ConfigureAwait(true);
        return new UserMemberships(new UserSnapshot(state.UserId, state.User, state.ToMembershipRecords(), state.ReadAt), state.User is null ? [] : state.PlatformRoles.Names);
    }

    /// <inheritdoc />
    public async ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string organizationId, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var state = await Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken).ConfigureAwait(true);
        var policy = Services.Policy;
        var now = Services.Time.GetUtcNow();
        var memberRoles = state.RolesIn(organizationId);
        var reason = state.User is null ? DecisionReason.UserNotFound
            : policy.BanMode == BanMode.Deny && state.User.IsBannedAt(now) ? DecisionReason.Banned
            : memberRoles is null ? DecisionReason.NotAMember
            : memberRoles.Names.IsEmpty ? DecisionReason.NoRoleGrants
            : DecisionReason.Allowed;
        if (reason != DecisionReason.Allowed)
        {
            return new EffectivePermissions(reason, memberRoles?.Names ?? [], [], state.ReadAt);
        }

        if (!PermissionEvaluator.NeedsOrganizationRoles(policy, state, organizationId, now))
        {
            return new EffectivePermissions(reason, memberRoles!.Names, RoleGrants.Of(policy.OrganizationRoles, memberRoles.Names), state.ReadAt);
        }

        var grants = await GrainFactory.GetGrain<IOrganizationGrain>(organizationId)
            .GetGrantsAsync(memberRoles!.Names, consistency, cancellationToken).ConfigureAwait(true);
        return new EffectivePermissions(reason, memberRoles.Names, grants.Permissions, Min(state.ReadAt, grants.ReadAt));
    }

    /// <inheritdoc />
    public ValueTask<bool> InvalidateAsync() => new(Cache.Invalidate(DeactivationCause.Event));

    /// <inheritdoc />
    public ValueTask<bool> DeactivateAsync()
    {
        var held = Cache.Invalidate(DeactivationCause.Explicit);
        DeactivateOnIdle();
        return new ValueTask<bool>(held);
    }

    private ValueTask<CheckResult> CheckOrganization(CompiledUserState state, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var policy = Services.Policy;
        var now = Services.Time.GetUtcNow();
        var memberRoles = state.RolesIn(organizationId);
        if (!PermissionEvaluator.NeedsOrganizationRoles(policy, state, organizationId, now))
        {
            var decision = PermissionEvaluator.CheckOrganization(policy, policy.OrganizationRoles, state.User, memberRoles, request, now);
            return new ValueTask<CheckResult>(new CheckResult(decision, state.ReadAt, memberRoles?.Names ?? []));
        }

        return CheckWithOrganizationAsync(state, state.User!, memberRoles!, organizationId, request, consistency, cancellationToken);
    }

    private async ValueTask<CheckResult> CheckWithOrganizationAsync(CompiledUserState state, UserRecord user, RoleNames memberRoles, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var answer = await GrainFactory.GetGrain<IOrganizationGrain>(organizationId)
            .CheckMemberAsync(user, memberRoles.Names, request, consistency, cancellationToken).ConfigureAwait(true);
        return new CheckResult(answer.Decision, Min(state.ReadAt, answer.ReadAt), memberRoles.Names);
    }

    private CheckResult CheckPlatform(CompiledUserState state, PermissionRequest request) =>
        new(PermissionEvaluator.CheckPlatform(Services.Policy, state, request, Services.Time.GetUtcNow()), state.ReadAt, state.PlatformRoles.Names);

    private async ValueTask<CheckResult> AwaitUserAsync(ValueTask<CompiledUserState> user, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        await CheckOrganization(await user.ConfigureAwait(true), organizationId, request, consistency, cancellationToken).ConfigureAwait(true);

    private async ValueTask<CheckResult> AwaitPlatformAsync(ValueTask<CompiledUserState> user, PermissionRequest request) =>
        CheckPlatform(await user.ConfigureAwait(true), request);

    private protected override async Task<CompiledUserState> LoadAsync(string key, CancellationToken cancellationToken) =>
        new(await Services.Reader.ReadUserAsync(key, cancellationToken).ConfigureAwait(true), Services.Policy);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
