using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;

namespace Perms.Silo.Runtime;

/// <summary>
/// Answers checks from this silo's grains: the user's UserGrain, and — only when dynamic roles are on and the user is
/// a member — the OrganizationGrain of the same silo (local placement), so a check never crosses silos. A warm check
/// completes synchronously and allocates nothing. <see cref="ReadConsistency"/> decides per call whether cached state
/// will do, must be reloaded, or is bypassed for a read of PostgreSQL.
/// </summary>
/// <param name="users">The UserGrain catalog.</param>
/// <param name="organizations">The OrganizationGrain catalog.</param>
/// <param name="policy">The compiled policy.</param>
/// <param name="time">The clock.</param>
/// <param name="clockSkewMargin">
/// Added to an <c>at_least_as_fresh</c> time: the caller's clock may be ahead of this silo's, and state read by this
/// silo at its time T is only known to be newer than the caller's T if the clocks agree within the margin.
/// </param>
public sealed class SiloPermissionChecker(
    GrainCatalog<UserGrain> users,
    GrainCatalog<OrganizationGrain> organizations,
    CompiledPolicy policy,
    TimeProvider time,
    TimeSpan clockSkewMargin) : IPermissionChecker
{
    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var user = Get(users, userId, consistency, cancellationToken);
        if (!user.IsCompletedSuccessfully)
        {
            return AwaitUserAsync(user, organizationId, request, consistency, cancellationToken);
        }

        return CheckOrganization(user.Result, organizationId, request, consistency, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var user = Get(users, userId, consistency, cancellationToken);
        return user.IsCompletedSuccessfully
            ? new ValueTask<CheckResult>(CheckPlatform(user.Result, request))
            : AwaitPlatformAsync(user, request);
    }

    /// <inheritdoc />
    public async ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var state = (await Get(users, userId, consistency, cancellationToken).ConfigureAwait(false)).State;
        return new UserMemberships(new UserSnapshot(state.UserId, state.User, state.ToMembershipRecords(), state.ReadAt), state.User is null ? [] : state.PlatformRoles.Names);
    }

    /// <inheritdoc />
    public async ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var user = await Get(users, userId, consistency, cancellationToken).ConfigureAwait(false);
        var state = user.State;
        var now = time.GetUtcNow();
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

        var organization = PermissionEvaluator.NeedsOrganizationRoles(policy, state, organizationId, now)
            ? await Get(organizations, organizationId, consistency, cancellationToken).ConfigureAwait(false)
            : null;
        var roles = organization?.State.RolesOrThrow() ?? policy.OrganizationRoles;
        var granted = new OrderedDictionary<(string Resource, string Action), List<string>>();
        foreach (var name in memberRoles!.Names)
        {
            if (!roles.TryGetRole(name, out var role))
            {
                continue;
            }

            foreach (var entry in role.Definition.Statements)
            {
                foreach (var action in entry.Actions)
                {
                    if (!granted.TryGetValue((entry.Resource, action), out var by))
                    {
                        granted[(entry.Resource, action)] = by = [];
                    }

                    by.Add(name);
                }
            }
        }

        var asOf = organization is null || state.ReadAt <= organization.State.Snapshot.ReadAt ? state.ReadAt : organization.State.Snapshot.ReadAt;
        return new EffectivePermissions(
            DecisionReason.Allowed,
            memberRoles.Names,
            [.. granted.Select(g => new EffectivePermission(g.Key.Resource, g.Key.Action, [.. g.Value]))],
            asOf);
    }

    private ValueTask<CheckResult> CheckOrganization(UserGrain user, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!PermissionEvaluator.NeedsOrganizationRoles(policy, user.State, organizationId, now))
        {
            return new ValueTask<CheckResult>(Evaluate(user, null, organizationId, request, now));
        }

        var organization = Get(organizations, organizationId, consistency, cancellationToken);
        return organization.IsCompletedSuccessfully
            ? new ValueTask<CheckResult>(Evaluate(user, organization.Result, organizationId, request, now))
            : AwaitOrganizationAsync(user, organization, organizationId, request, now);
    }

    private ValueTask<TGrain> Get<TGrain>(GrainCatalog<TGrain> catalog, string key, ReadConsistency consistency, CancellationToken cancellationToken)
        where TGrain : class, IGrain => consistency.Kind switch
        {
            ReadConsistencyKind.MinimizeLatency => catalog.GetAsync(key, cancellationToken),
            ReadConsistencyKind.AtLeastAsFresh => catalog.GetAsync(key, catalog.TimestampOf(consistency.NotReadBefore, clockSkewMargin), cancellationToken),
            _ => new ValueTask<TGrain>(catalog.LoadUncachedAsync(key, cancellationToken)),
        };

    private CheckResult Evaluate(UserGrain user, OrganizationGrain? organization, string organizationId, PermissionRequest request, DateTimeOffset now)
    {
        var state = user.State;
        var memberRoles = state.RolesIn(organizationId);
        var roles = organization?.State.RolesOrThrow() ?? policy.OrganizationRoles;
        var decision = PermissionEvaluator.CheckOrganization(policy, roles, state.User, memberRoles, request, now);
        var asOf = organization is null || state.ReadAt <= organization.State.Snapshot.ReadAt ? state.ReadAt : organization.State.Snapshot.ReadAt;
        return new CheckResult(decision, asOf, memberRoles?.Names ?? []);
    }

    private CheckResult CheckPlatform(UserGrain user, PermissionRequest request) =>
        new(PermissionEvaluator.CheckPlatform(policy, user.State, request, time.GetUtcNow()), user.State.ReadAt, user.State.PlatformRoles.Names);

    private async ValueTask<CheckResult> AwaitUserAsync(ValueTask<UserGrain> user, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
        await CheckOrganization(await user.ConfigureAwait(false), organizationId, request, consistency, cancellationToken).ConfigureAwait(false);

    private async ValueTask<CheckResult> AwaitOrganizationAsync(UserGrain user, ValueTask<OrganizationGrain> organization, string organizationId, PermissionRequest request, DateTimeOffset now) =>
        Evaluate(user, await organization.ConfigureAwait(false), organizationId, request, now);

    private async ValueTask<CheckResult> AwaitPlatformAsync(ValueTask<UserGrain> user, PermissionRequest request) =>
        CheckPlatform(await user.ConfigureAwait(false), request);
}
