namespace Perms.Grains.Activation;

/// <summary>
/// Activates grains of one type: Orleans' <c>OnActivateAsync</c>, returning the loaded grain instead of mutating one.
/// A thrown exception fails the activation; nothing is cached and the caller gets the error.
/// </summary>
/// <typeparam name="TGrain">The grain type.</typeparam>
public interface IGrainActivator<TGrain>
    where TGrain : class, IGrain
{
    /// <summary>Loads the grain's state; honours <paramref name="cancellationToken"/>.</summary>
    Task<TGrain> OnActivateAsync(GrainActivationContext context, CancellationToken cancellationToken);
}
