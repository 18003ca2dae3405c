using System.Collections.Immutable;
using Orleans.Concurrency;
using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Grains;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;
using Perms.Grains.State;

namespace Perms.Grains;

/// <summary>
/// OrganizationGrain(organization id): the organization's roles with its dynamic roles merged, or the error of a
/// malformed row, loaded on the first member check that reaches them.
/// </summary>
/// <remarks>
/// A stateless worker with one activation per silo: every silo that checks for the organization holds its own copy,
/// so a UserGrain's call never leaves its silo, and each silo's change-event consumer invalidates its own copy.
/// Reentrant for the reasons given on <see cref="UserGrain"/>.
/// </remarks>
/// <param name="services">The silo's shared grain services.</param>
[Reentrant]
[StatelessWorker(1)]
[GrainType("perms.organization")]
public sealed class OrganizationGrain(GrainServices services) : CachingGrain<CompiledOrganizationState>(services), IOrganizationGrain
{
    private protected override LocalActivations<CompiledOrganizationState> Activations => Services.Organizations;

    private protected override GrainStateOptions Options => Services.OrganizationOptions;

    /// <inheritdoc />
    public async ValueTask<OrganizationDecision> CheckMemberAsync(UserRecord user, ImmutableArray<string> memberRoles, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var state = await Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken).ConfigureAwait(true);
        var decision = PermissionEvaluator.CheckOrganization(Services.Policy, state.RolesOrThrow(), user, RoleNames.FromParsed(memberRoles), request, Services.Time.GetUtcNow());
        return new OrganizationDecision(decision, state.Snapshot.ReadAt);
    }

    /// <inheritdoc />
    public async ValueTask<OrganizationGrants> GetGrantsAsync(ImmutableArray<string> memberRoles, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var state = await Cache.GetAsync(consistency, Services.ClockSkewMargin, cancellationToken).ConfigureAwait(true);
        return new OrganizationGrants(RoleGrants.Of(state.RolesOrThrow(), memberRoles), state.Snapshot.ReadAt);
    }

    /// <inheritdoc />
    public ValueTask<bool> InvalidateAsync() => new(Cache.Invalidate(DeactivationCause.Event));

    private protected override async Task<CompiledOrganizationState> LoadAsync(string key, CancellationToken cancellationToken) =>
        new(await Services.Reader.ReadOrganizationAsync(key, Services.Policy.DynamicAccessControl, cancellationToken).ConfigureAwait(true), Services.Policy);
}
