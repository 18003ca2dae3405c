using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Admin;
using Perms.Grains.State;
using Perms.Silo.Grains;

namespace Perms.Silo.Admin;

/// <summary>
/// The admin API's operations on this silo's grains (through <see cref="IGrainInvalidator"/>, as grain calls) and its
/// loaded policy.
/// </summary>
/// <param name="users">This silo's UserGrain activations.</param>
/// <param name="organizations">This silo's OrganizationGrain activations.</param>
/// <param name="grains">Drops grains' state.</param>
/// <param name="policy">The policy as loaded at start-up.</param>
public sealed class SiloAdministration(
    LocalActivations<CompiledUserState> users,
    LocalActivations<CompiledOrganizationState> organizations,
    IGrainInvalidator grains,
    LoadedPolicyInfo policy) : ISiloAdministration
{
    /// <inheritdoc />
    public LoadedPolicyInfo Policy { get; } = policy;

    /// <inheritdoc />
    public IReadOnlyList<ActivationSummary> ListActivations(int sampleSize) =>
    [
        new(users.GrainType, users.Count, users.EstimatedBytes, users.SampleKeys(sampleSize)),
        new(organizations.GrainType, organizations.Count, organizations.EstimatedBytes, organizations.SampleKeys(sampleSize)),
    ];

    /// <inheritdoc />
    public async ValueTask<bool> DeactivateUserAsync(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return await grains.InvalidateUserAsync(userId, deactivate: true).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async ValueTask<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var (organization, members) = await grains.InvalidateOrganizationAsync(organizationId, withMembers: true).ConfigureAwait(false);
        return new OrganizationDeactivation(organization > 0, members);
    }

    /// <inheritdoc />
    public async ValueTask<FlushResult> FlushAllAsync()
    {
        var (userCount, organizationCount) = await grains.InvalidateAllAsync().ConfigureAwait(false);
        return new FlushResult(userCount, organizationCount);
    }
}
