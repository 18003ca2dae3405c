using Perms.Grains.Data;
using Perms.Grains.Permissions;
using Perms.Grains.State;

namespace Perms.Grains.Activation;

/// <summary>Activates OrganizationGrains from Better Auth's tables (dynamic roles only when the policy enables them).</summary>
public sealed class OrganizationGrainActivator(IBetterAuthReader reader, CompiledPolicy policy) : IGrainActivator<OrganizationGrain>
{
    /// <inheritdoc />
    public async Task<OrganizationGrain> OnActivateAsync(GrainActivationContext context, CancellationToken cancellationToken)
    {
        var snapshot = await reader.ReadOrganizationAsync(context.Key, policy.DynamicAccessControl, cancellationToken).ConfigureAwait(false);
        return new OrganizationGrain(new CompiledOrganizationState(snapshot, policy), context.LoadStartedAt);
    }
}
