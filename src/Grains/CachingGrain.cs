using Perms.Grains.Caching;

namespace Perms.Grains;

/// <summary>
/// What the UserGrain and OrganizationGrain share: an activation that reads nothing when it starts (an activation
/// caused only by an invalidation must not touch PostgreSQL), a <see cref="CachedState{TState}"/> that loads on the
/// first call needing it, registered in this silo's index, and released when Orleans deactivates it.
/// </summary>
/// <typeparam name="TState">The compiled state.</typeparam>
/// <param name="services">The silo's shared grain services.</param>
public abstract class CachingGrain<TState>(GrainServices services) : Grain
    where TState : class, ILoadedState
{
    /// <summary>The silo's shared grain services.</summary>
    protected GrainServices Services { get; } = services;

    /// <summary>This activation's state.</summary>
    protected CachedState<TState> Cache { get; private set; } = null!;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Cache = new CachedState<TState>(this.GetPrimaryKeyString(), LoadAsync, Activations, Options, Services.Time, Services.Metrics, Services.Logger);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Cache.Deactivated(DeactivationCauses.Of(reason));
        Cache.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>This silo's index of the grain type.</summary>
    private protected abstract LocalActivations<TState> Activations { get; }

    /// <summary>The grain type's lifetime rules.</summary>
    private protected abstract GrainStateOptions Options { get; }

    /// <summary>Reads and compiles the state of <paramref name="key"/>.</summary>
    private protected abstract Task<TState> LoadAsync(string key, CancellationToken cancellationToken);
}
