using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Admin;
using Perms.Silo.Runtime;

namespace Perms.Silo.Admin;

/// <summary>
/// The admin API's operations on this silo's grain catalogs (<see cref="DeactivationCause.Explicit"/>) and its loaded
/// policy.
/// </summary>
/// <param name="users">The UserGrain catalog.</param>
/// <param name="organizations">The OrganizationGrain catalog.</param>
/// <param name="policy">The policy as loaded at start-up.</param>
public sealed class SiloAdministration(GrainCatalog<UserGrain> users, GrainCatalog<OrganizationGrain> organizations, LoadedPolicyInfo policy) : ISiloAdministration
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
    public bool DeactivateUser(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return users.Deactivate(userId, DeactivationCause.Explicit);
    }

    /// <inheritdoc />
    public OrganizationDeactivation DeactivateOrganization(string organizationId)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var organization = organizations.Deactivate(organizationId, DeactivationCause.Explicit);

        // A load in flight (null) may have read a membership in the organization: it goes too, as for organization.deleted.
        var members = users.DeactivateWhere((_, grain) => grain is null || grain.State.RolesIn(organizationId) is not null, DeactivationCause.Explicit);
        return new OrganizationDeactivation(organization, members);
    }

    /// <inheritdoc />
    public FlushResult FlushAll() =>
        new(users.DeactivateAll(DeactivationCause.Explicit), organizations.DeactivateAll(DeactivationCause.Explicit));
}
