using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Admin;
using Perms.Grains.State;
using Perms.Silo.Grains;

namespace Perms.Silo.Admin;

/// <summary>
/// <see cref="ISiloCacheControl"/>: this silo's part of an operator's cluster-wide action, over this silo's activation index
/// and <see cref="IGrainInvalidator"/> (whose invalidations are grain calls, in each activation's turn).
/// </summary>
internal sealed class SiloCacheControl(
    GrainId grainId,
    Orleans.Runtime.Silo silo,
    ILoggerFactory loggerFactory,
    LocalActivations<CompiledUserState> users,
    LocalActivations<CompiledOrganizationState> organizations,
    IGrainInvalidator grains) : GrainService(grainId, silo, loggerFactory), ISiloCacheControl
{
    public Task<ActivationSummary[]> ListActivationsAsync(int sampleSize) => Task.FromResult<ActivationSummary[]>(
    [
        new(users.GrainType, users.Count, users.EstimatedBytes, [.. users.SampleKeys(sampleSize)]),
        new(organizations.GrainType, organizations.Count, organizations.EstimatedBytes, [.. organizations.SampleKeys(sampleSize)]),
    ]);

    public async Task<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId)
    {
        var (organization, members) = await grains.InvalidateOrganizationAsync(organizationId, withMembers: true);
        return new OrganizationDeactivation(organization > 0, members);
    }

    public async Task<FlushResult> FlushAllAsync()
    {
        var (userCount, organizationCount) = await grains.InvalidateAllAsync();
        return new FlushResult(userCount, organizationCount);
    }
}
