using Perms.Grains.Data;
using Perms.Grains.Permissions;
using Perms.Grains.State;

namespace Perms.Grains.Activation;

/// <summary>Activates UserGrains from Better Auth's tables.</summary>
public sealed class UserGrainActivator(IBetterAuthReader reader, CompiledPolicy policy) : IGrainActivator<UserGrain>
{
    /// <inheritdoc />
    public async Task<UserGrain> OnActivateAsync(GrainActivationContext context, CancellationToken cancellationToken)
    {
        var snapshot = await reader.ReadUserAsync(context.Key, cancellationToken).ConfigureAwait(false);
        return new UserGrain(new CompiledUserState(snapshot, policy), context.LoadStartedAt);
    }
}
