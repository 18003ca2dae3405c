using Perms.Grains.State;

namespace Perms.Grains.Activation;

/// <summary>
/// OrganizationGrain(organizationId): one organization's role set with its dynamic roles merged (or the error of a
/// malformed one). Activated on every silo that checks for the organization (local placement), so a check never
/// leaves the silo of its user.
/// </summary>
/// <param name="state">The compiled state.</param>
/// <param name="loadStartedAt">When its load began (runtime timestamp).</param>
public sealed class OrganizationGrain(CompiledOrganizationState state, long loadStartedAt) : IGrain
{
    /// <summary>The compiled state.</summary>
    public CompiledOrganizationState State { get; } = state;

    /// <inheritdoc />
    public long LoadStartedAt { get; } = loadStartedAt;

    /// <inheritdoc />
    public int EstimatedBytes { get; } = 64 + (state.Snapshot.DynamicRoles.Length * 256);
}
