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
/// completes synchronously and allocates nothing.
/// </summary>
public sealed class SiloPermissionChecker(
    GrainCatalog<UserGrain> users,
    GrainCatalog<OrganizationGrain> organizations,
    CompiledPolicy policy,
    TimeProvider time) : IPermissionChecker
{
    /// <inheritdoc />
    public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, CancellationToken cancellationToken)
    {
        var user = users.GetAsync(userId, cancellationToken);
        if (!user.IsCompletedSuccessfully)
        {
            return AwaitUserAsync(user, organizationId, request, cancellationToken);
        }

        return CheckOrganization(user.Result, organizationId, request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, CancellationToken cancellationToken)
    {
        var user = users.GetAsync(userId, cancellationToken);
        return user.IsCompletedSuccessfully
            ? new ValueTask<CheckResult>(CheckPlatform(user.Result, request))
            : AwaitPlatformAsync(user, request);
    }

    /// <inheritdoc />
    public async ValueTask<UserMemberships> GetMembershipsAsync(string userId, CancellationToken cancellationToken)
    {
        var state = (await users.GetAsync(userId, cancellationToken).ConfigureAwait(false)).State;
        return new UserMemberships(new UserSnapshot(state.UserId, state.User, state.ToMembershipRecords(), state.ReadAt), state.User is null ? [] : state.PlatformRoles.Names);
    }

    /// <inheritdoc />
    public async ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(userId, cancellationToken).ConfigureAwait(false);
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
            ? await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false)
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

    private ValueTask<CheckResult> CheckOrganization(UserGrain user, string organizationId, PermissionRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!PermissionEvaluator.NeedsOrganizationRoles(policy, user.State, organizationId, now))
        {
            return new ValueTask<CheckResult>(Evaluate(user, null, organizationId, request, now));
        }

        var organization = organizations.GetAsync(organizationId, cancellationToken);
        return organization.IsCompletedSuccessfully
            ? new ValueTask<CheckResult>(Evaluate(user, organization.Result, organizationId, request, now))
            : AwaitOrganizationAsync(user, organization, organizationId, request, now);
    }

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

    private async ValueTask<CheckResult> AwaitUserAsync(ValueTask<UserGrain> user, string organizationId, PermissionRequest request, CancellationToken cancellationToken) =>
        await CheckOrganization(await user.ConfigureAwait(false), organizationId, request, cancellationToken).ConfigureAwait(false);

    private async ValueTask<CheckResult> AwaitOrganizationAsync(UserGrain user, ValueTask<OrganizationGrain> organization, string organizationId, PermissionRequest request, DateTimeOffset now) =>
        Evaluate(user, await organization.ConfigureAwait(false), organizationId, request, now);

    private async ValueTask<CheckResult> AwaitPlatformAsync(ValueTask<UserGrain> user, PermissionRequest request) =>
        CheckPlatform(await user.ConfigureAwait(false), request);
}
