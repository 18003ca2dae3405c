using Perms.Grains.Activation;

namespace Perms.Silo.Runtime;

/// <summary>
/// One activation in a catalog: the installed grain (swapped whole, read without a lock), the load in flight (shared
/// by every caller: single-flight), and the last failure (for back-off). Mutations happen under <see cref="Gate"/>.
/// </summary>
internal sealed class GrainActivation<TGrain>(string key)
    where TGrain : class, IGrain
{
    private TGrain? _grain;
    private long _lastAccess;

    public string Key { get; } = key;

    public object Gate { get; } = new();

    /// <summary>The installed grain, or null. Written under <see cref="Gate"/>, read lock-free.</summary>
    public TGrain? Grain
    {
        get => Volatile.Read(ref _grain);
        set => Volatile.Write(ref _grain, value);
    }

    /// <summary>The load in flight, or null.</summary>
    public Task<TGrain>? Loading { get; set; }

    /// <summary>Set once when the activation leaves the catalog; a load finishing after that is discarded.</summary>
    public bool Removed { get; set; }

    public Exception? LastFailure { get; set; }

    public int Failures { get; set; }

    public long RetryAfter { get; set; }

    public long LastAccess => Volatile.Read(ref _lastAccess);

    public void Touch(long now) => Volatile.Write(ref _lastAccess, now);
}
