using Orleans.Services;

namespace Perms.Grains.Interfaces.Admin;

/// <summary>
/// One silo's own grains, reachable from any silo (an Orleans grain service: one per silo, addressed by silo): what an
/// operator's cluster-wide action needs each silo to do with the activations only it knows about.
/// </summary>
[Alias("perms.ISiloCacheControl")]
public interface ISiloCacheControl : IGrainService
{
    /// <summary>This silo's activations per grain type, with up to <paramref name="sampleSize"/> keys each.</summary>
    [Alias("ListActivations")]
    Task<ActivationSummary[]> ListActivationsAsync(int sampleSize);

    /// <summary>Drops the organization's roles on this silo and the state of this silo's user grains that are its members.</summary>
    [Alias("DeactivateOrganization")]
    Task<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId);

    /// <summary>Drops the state of every grain on this silo.</summary>
    [Alias("FlushAll")]
    Task<FlushResult> FlushAllAsync();
}
