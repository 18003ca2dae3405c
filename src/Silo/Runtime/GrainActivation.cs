using Perms.Grains.Activation;

namespace Perms.Silo.Runtime;

/// <summary>
/// One activation in a catalog: the installed grain (swapped whole, read without a lock), the load in flight (shared
/// by every caller: single-flight), and the last failure (for back-off). Mutations happen under a lock on the
/// activation itself: with a million activations, a separate lock object per activation is memory that counts.
/// </summary>
internal sealed class GrainActivation<TGrain>(string key)
    where TGrain : class, IGrain
{
    private TGrain? _grain;
    private long _lastAccess;
    private bool _removed;

    public string Key { get; } = key;

    /// <summary>The installed grain, or null. Written under the activation's lock, read lock-free.</summary>
    public TGrain? Grain
    {
        get => Volatile.Read(ref _grain);
        set => Volatile.Write(ref _grain, value);
    }

    /// <summary>The load in flight, or null.</summary>
    public Task<TGrain>? Loading { get; set; }

    /// <summary>Set once when the activation leaves the catalog; a load finishing after that is discarded.</summary>
    public bool Removed
    {
        get => Volatile.Read(ref _removed);
        set => Volatile.Write(ref _removed, value);
    }

    /// <summary>The last failed load, kept for the back-off; null while loads succeed (allocated only on failure).</summary>
    public LoadFailure? Failure { get; set; }

    public long LastAccess => Volatile.Read(ref _lastAccess);

    /// <summary>Set by <c>DeactivateOnIdle</c>: the next collection pass removes the activation whatever its age.</summary>
    public bool DeactivateOnIdle { get; set; }

    public void Touch(long now) => Volatile.Write(ref _lastAccess, now);
}
