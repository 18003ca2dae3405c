using System.Collections.Concurrent;

namespace Perms.Grains.Caching;

/// <summary>
/// The activations of one grain type on this silo, as their grains register them: what a silo-local change event, an
/// operator or a metric needs to know about them (their keys, their state, their bytes), and the silo's staleness
/// epoch. Orleans owns the activations; this is an index beside them, never a way around their turns: invalidations
/// found through it are delivered as grain calls.
/// </summary>
/// <remarks>
/// Each silo applies every change event to its own activations (see docs/events.md): the predicates of an event (who
/// is a member of an organization) are answered by the state each activation holds, and a silo that missed events (a
/// NATS reconnect) knows that exactly its own activations may be stale.
/// </remarks>
/// <typeparam name="TState">The state the grain type holds.</typeparam>
public sealed class LocalActivations<TState>
    where TState : class, ILoadedState
{
    private readonly ConcurrentDictionary<string, CachedState<TState>> _entries = new(StringComparer.Ordinal);
    private long _staleBefore = long.MinValue;
    private long _estimatedBytes;

    /// <summary>Creates the index of one grain type.</summary>
    /// <param name="grainType">The type's name, e.g. <c>user</c> (a metric dimension).</param>
    /// <param name="metrics">Where the current count and bytes are observed.</param>
    public LocalActivations(string grainType, GrainMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        GrainType = grainType;
        metrics.Register(grainType, () => _entries.Count, () => Interlocked.Read(ref _estimatedBytes));
    }

    /// <summary>The grain type's name.</summary>
    public string GrainType { get; }

    /// <summary>Activations on this silo holding state or loading it (an activation emptied by an invalidation leaves the index).</summary>
    public int Count => _entries.Count;

    /// <summary>Estimated bytes held by the state of this silo's activations.</summary>
    public long EstimatedBytes => Interlocked.Read(ref _estimatedBytes);

    /// <summary>State whose load began at or before this runtime timestamp is stale (see <see cref="MarkAllStale"/>).</summary>
    public long StaleBefore => Volatile.Read(ref _staleBefore);

    /// <summary>Whether <paramref name="key"/> has an activation on this silo.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>
    /// The keys whose activation matches <paramref name="predicate"/>. The predicate sees null while a load is in
    /// flight or nothing is held — not an older state being replaced — so a careful predicate (<c>s is null || …</c>)
    /// also catches a load that may have read what a change affects.
    /// </summary>
    public IReadOnlyList<string> KeysWhere(Func<string, TState?, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var keys = new List<string>();
        foreach (var (key, entry) in _entries)
        {
            if (predicate(key, entry.CurrentOrNullWhileLoading))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>Up to <paramref name="max"/> keys, in no particular order, for operators; reads only what it returns.</summary>
    public IReadOnlyList<string> SampleKeys(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var keys = new List<string>(Math.Min(max, 64));
        foreach (var (key, _) in _entries)
        {
            if (keys.Count == max)
            {
                break;
            }

            keys.Add(key);
        }

        return keys;
    }

    /// <summary>
    /// Treats every state loaded (or loading) on this silo until now as stale: events may have been lost. Each grain
    /// compares its load time with this epoch on its next call; nothing walks the activations.
    /// </summary>
    public void MarkAllStale(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetTimestamp();
        long current;
        do
        {
            current = Volatile.Read(ref _staleBefore);
        }
        while (now > current && Interlocked.CompareExchange(ref _staleBefore, now, current) != current);
    }

    internal void Add(string key, CachedState<TState> entry) => _entries[key] = entry;

    internal void Remove(string key, CachedState<TState> entry) =>
        _entries.TryRemove(new KeyValuePair<string, CachedState<TState>>(key, entry));

    internal void AddBytes(long delta) => Interlocked.Add(ref _estimatedBytes, delta);
}
