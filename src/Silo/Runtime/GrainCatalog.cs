using System.Collections.Concurrent;
using System.Diagnostics;
using Perms.Gateway.Tracing;
using Perms.Grains.Activation;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Errors;

namespace Perms.Silo.Runtime;

/// <summary>
/// The activations of one grain type on this silo, in the spirit of Orleans' <c>Catalog</c>: virtual activation on
/// first call, one activation per key, single-flight loads, idle collection, a staleness bound, a capacity cap with
/// least-recently-used shedding, and deactivation by key, by predicate or of everything.
/// </summary>
/// <remarks>
/// The invariant every path keeps: no call that starts after a deactivation of a key is answered from state whose
/// load began before that deactivation. A load that a deactivation overtakes is never installed, and the callers
/// waiting on it load again.
/// </remarks>
/// <typeparam name="TGrain">The grain type.</typeparam>
public sealed class GrainCatalog<TGrain> : IDisposable
    where TGrain : class, IGrain
{
    // A key whose state keeps changing under its loads gives up after this many loads instead of looping forever.
    private const int MaxLoadsPerCall = 4;

    // What an installed activation costs beyond its grain: the dictionary node, the activation object and the grain's
    // own object header and fields (measured: see docs/benchmarks.md, memory per grain).
    private const int ActivationOverheadBytes = 160;

    private readonly ConcurrentDictionary<string, GrainActivation<TGrain>> _activations = new(StringComparer.Ordinal);
    private readonly IGrainActivator<TGrain> _activator;
    private readonly GrainCatalogOptions _options;
    private readonly TimeProvider _time;
    private readonly GrainRuntimeMetrics _metrics;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ILogger? _logger;
    private readonly long _maxStaleness;
    private readonly long _collectionAge;
    private readonly ITimer _collector;
    private long _staleBefore = long.MinValue;
    private long _installed;
    private long _estimatedBytes;
    private int _enforcingCapacity;

    /// <summary>Creates the catalog of one grain type.</summary>
    /// <param name="grainType">The type's name, e.g. <c>user</c> (a metric dimension).</param>
    /// <param name="activator">Loads grains.</param>
    /// <param name="options">Lifetime rules.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="metrics">Where to count.</param>
    /// <param name="logger">Where load failures are logged (none when null).</param>
    public GrainCatalog(string grainType, IGrainActivator<TGrain> activator, GrainCatalogOptions options, TimeProvider time, GrainRuntimeMetrics metrics, ILogger? logger = null)
    {
        _logger = logger;
        GrainType = grainType;
        _activator = activator;
        _options = options;
        _time = time;
        _metrics = metrics;
        _maxStaleness = ToTimestamp(options.MaxStaleness);
        _collectionAge = ToTimestamp(options.CollectionAge);
        var quantum = TimeSpan.FromTicks(Math.Clamp(Math.Min(options.CollectionAge.Ticks, options.MaxStaleness.Ticks) / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _collector = time.CreateTimer(static state => ((GrainCatalog<TGrain>)state!).CollectFromTimer(), this, quantum, quantum);
        metrics.Register(grainType, () => _activations.Count, () => Interlocked.Read(ref _estimatedBytes));
    }

    /// <summary>The grain type's name.</summary>
    public string GrainType { get; }

    /// <summary>Current activations (installed, loading, or failed and backing off).</summary>
    public int Count => _activations.Count;

    /// <summary>Estimated bytes kept alive by installed grains.</summary>
    public long EstimatedBytes => Interlocked.Read(ref _estimatedBytes);

    /// <summary>
    /// Up to <paramref name="max"/> keys of current activations (loads in flight included), in no particular order,
    /// for operators (the admin API). Reads only as many entries as it returns; takes no lock.
    /// </summary>
    public IReadOnlyList<string> SampleKeys(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var keys = new List<string>(Math.Min(max, 64));
        if (max == 0)
        {
            return keys;
        }

        foreach (var (key, _) in _activations)
        {
            keys.Add(key);
            if (keys.Count == max)
            {
                break;
            }
        }

        return keys;
    }

    /// <summary>
    /// The grain for <paramref name="key"/>, activating it if needed. Warm and fresh: returns synchronously, takes no
    /// lock and allocates nothing.
    /// </summary>
    /// <exception cref="StateUnavailableException">The state cannot be loaded now.</exception>
    /// <exception cref="InvalidStateException">The stored data or schema cannot be used.</exception>
    public ValueTask<TGrain> GetAsync(string key, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_activations.TryGetValue(key, out var activation) && activation.Grain is { } grain && IsFresh(grain, now))
        {
            activation.Touch(now);
            return new ValueTask<TGrain>(grain);
        }

        return new ValueTask<TGrain>(ActivateAsync(key, cancellationToken));
    }

    /// <summary>
    /// The grain for <paramref name="key"/>, loaded no earlier than <paramref name="notLoadedBefore"/> (a runtime
    /// timestamp, see <see cref="TimestampOf"/>; a time still to come means "a load that starts now"). A cached grain
    /// that old or older is reloaded; a load already in flight that began late enough is shared.
    /// </summary>
    /// <exception cref="StateUnavailableException">The state cannot be loaded now.</exception>
    /// <exception cref="InvalidStateException">The stored data or schema cannot be used.</exception>
    public ValueTask<TGrain> GetAsync(string key, long notLoadedBefore, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        notLoadedBefore = Math.Min(notLoadedBefore, now);
        if (_activations.TryGetValue(key, out var activation) && activation.Grain is { } grain && IsFresh(grain, now) && grain.LoadStartedAt >= notLoadedBefore)
        {
            activation.Touch(now);
            return new ValueTask<TGrain>(grain);
        }

        return new ValueTask<TGrain>(ActivateAsync(key, cancellationToken, notLoadedBefore));
    }

    /// <summary>
    /// Reads <paramref name="key"/>'s state for one caller, past the cache and its failure back-off, and does not
    /// install it: such a read never replaces state that other calls see (which may be newer, e.g. loaded after an event).
    /// </summary>
    /// <exception cref="StateUnavailableException">The state cannot be loaded now.</exception>
    /// <exception cref="InvalidStateException">The stored data or schema cannot be used.</exception>
    public async Task<TGrain> LoadUncachedAsync(string key, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var span = StartLoadActivity(key, Activity.Current?.Context ?? default, uncached: true);
        using var timeout = new CancellationTokenSource(_options.LoadTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token, cancellationToken);
        try
        {
            var grain = await _activator.OnActivateAsync(new GrainActivationContext(key, started), linked.Token)
                .WaitAsync(_options.LoadTimeout, _time, linked.Token).ConfigureAwait(false);
            _metrics.Loaded(GrainType, _time.GetElapsedTime(started));
            return grain;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _metrics.LoadFailed(GrainType);
            var failure = Map(e, key, timedOut: e is TimeoutException || (timeout.IsCancellationRequested && !_shutdown.IsCancellationRequested));
            span?.SetStatus(ActivityStatusCode.Error, failure.Message);
            throw failure;
        }
    }

    /// <summary>
    /// The runtime timestamp of the wall-clock <paramref name="time"/> plus <paramref name="margin"/>, for
    /// <see cref="GetAsync(string, long, CancellationToken)"/>: now for a time still to come, and the lowest value for
    /// a time older than the maximum staleness (every fresh grain is newer).
    /// </summary>
    public long TimestampOf(DateTimeOffset time, TimeSpan margin)
    {
        var nowTimestamp = _time.GetTimestamp();
        var ahead = (Int128)time.UtcTicks + margin.Ticks - _time.GetUtcNow().UtcTicks;
        if (ahead >= 0)
        {
            return nowTimestamp;
        }

        return -ahead >= _options.MaxStaleness.Ticks ? long.MinValue : nowTimestamp - ToTimestamp(TimeSpan.FromTicks((long)-ahead));
    }

    /// <summary>The installed grain for <paramref name="key"/> if there is one (fresh or not), without activating.</summary>
    public TGrain? Peek(string key) => _activations.TryGetValue(key, out var activation) ? activation.Grain : null;

    /// <summary>Deactivates <paramref name="key"/>'s activation, discarding a load in flight. Idempotent.</summary>
    public bool Deactivate(string key, DeactivationCause cause)
    {
        if (!_activations.TryRemove(key, out var activation))
        {
            return false;
        }

        Retire(activation, cause);
        return true;
    }

    /// <summary>
    /// Orleans' <c>DeactivateOnIdle</c>: the activation stays usable but leaves at the next collection pass, whatever
    /// its collection age (e.g. an operator shedding a hot key without disturbing calls in flight).
    /// </summary>
    public bool DeactivateOnIdle(string key)
    {
        if (!_activations.TryGetValue(key, out var activation))
        {
            return false;
        }

        activation.DeactivateOnIdle = true;
        return true;
    }

    /// <summary>
    /// Deactivates every activation whose key and grain match. While a load is in flight the predicate sees null — not
    /// the older grain being replaced — so a careful predicate (<c>g is null || …</c>) also catches the load, which
    /// may have read the state the change affects.
    /// </summary>
    public int DeactivateWhere(Func<string, TGrain?, bool> predicate, DeactivationCause cause)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var count = 0;
        foreach (var (key, activation) in _activations)
        {
            TGrain? grain;
            lock (activation)
            {
                // Under the lock: Complete clears Loading and installs the grain under it, so an unlocked read could
                // pair "no load" with the older grain a load is just replacing.
                grain = activation.Loading is null ? activation.Grain : null;
            }

            if (predicate(key, grain) && _activations.TryRemove(new KeyValuePair<string, GrainActivation<TGrain>>(key, activation)))
            {
                Retire(activation, cause);
                count++;
            }
        }

        return count;
    }

    /// <summary>Deactivates everything.</summary>
    public int DeactivateAll(DeactivationCause cause) => DeactivateWhere(static (_, _) => true, cause);

    /// <summary>
    /// Treats every grain whose load began before now as stale (used after a NATS reconnect: events may have been
    /// lost). Stale grains are reloaded on their next call.
    /// </summary>
    public void MarkAllStale()
    {
        var now = _time.GetTimestamp();
        long current;
        do
        {
            current = Volatile.Read(ref _staleBefore);
        }
        while (now > current && Interlocked.CompareExchange(ref _staleBefore, now, current) != current);
    }

    /// <summary>
    /// One collection pass (the timer runs it every quantum): idle activations and stale grains leave, then the cap
    /// is enforced. Public for tests that drive time by hand.
    /// </summary>
    public void Collect()
    {
        var now = _time.GetTimestamp();
        foreach (var (key, activation) in _activations)
        {
            if (activation.Loading is not null)
            {
                continue;
            }

            var cause = activation.DeactivateOnIdle || now - activation.LastAccess >= _collectionAge ? DeactivationCause.Idle
                : activation.Grain is { } grain && !IsFresh(grain, now) ? DeactivationCause.Stale
                : (DeactivationCause?)null;
            if (cause is { } c && _activations.TryRemove(new KeyValuePair<string, GrainActivation<TGrain>>(key, activation)))
            {
                Retire(activation, c);
            }
        }

        EnforceCapacity();
    }

    private void CollectFromTimer()
    {
        try
        {
            Collect();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An exception escaping a timer callback would end the process; a missed pass only delays collection.
            System.Diagnostics.Trace.TraceError($"grain collection ({GrainType}) failed: {e}");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _collector.Dispose();
        _shutdown.Cancel();
        _shutdown.Dispose();
    }

    private bool IsFresh(TGrain grain, long now) =>
        grain.LoadStartedAt > Volatile.Read(ref _staleBefore) && now - grain.LoadStartedAt < _maxStaleness;

    private async Task<TGrain> ActivateAsync(string key, CancellationToken cancellationToken, long notLoadedBefore = long.MinValue)
    {
        for (var attempt = 0; attempt < MaxLoadsPerCall; attempt++)
        {
            var activation = _activations.GetOrAdd(key, static k => new GrainActivation<TGrain>(k));
            Task<TGrain> load;
            lock (activation)
            {
                if (activation.Removed)
                {
                    continue;
                }

                var now = _time.GetTimestamp();
                activation.Touch(now);
                if (activation.Grain is { } installed && IsFresh(installed, now) && installed.LoadStartedAt >= notLoadedBefore)
                {
                    return installed;
                }

                if (activation.Loading is null && activation.Failure is { } failure && now < failure.RetryAfter)
                {
                    // A failed load is not state: within the back-off the error is repeated without touching the database.
                    throw Repeat(failure.Error);
                }

                load = activation.Loading ??= StartLoad(activation);
            }

            // The load is shared: one caller giving up must not cancel it for the others.
            var grain = await load.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!activation.Removed && ReferenceEquals(activation.Grain, grain) && IsFresh(grain, _time.GetTimestamp()) && grain.LoadStartedAt >= notLoadedBefore)
            {
                return grain;
            }

            // Deactivated (or made stale) while loading: that state may predate the change; load afresh. The same when
            // the shared load began before the time this caller asked for.
        }

        throw new StateUnavailableException($"{GrainType} {key}: the state changed during {MaxLoadsPerCall} loads in a row; try again");
    }

    private Task<TGrain> StartLoad(GrainActivation<TGrain> activation)
    {
        // The load is shared by every caller and outlives the request that started it: it must not carry that
        // request's ambient state (AsyncLocals, the tracing Activity). Its span names that request as its parent, explicitly.
        var parent = PermsActivitySource.Source.HasListeners() ? Activity.Current?.Context ?? default : default;
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => LoadAsync(activation, parent));
        }
    }

    private async Task<TGrain> LoadAsync(GrainActivation<TGrain> activation, ActivityContext parent)
    {
        var started = _time.GetTimestamp();
        TGrain? installed = null;
        Exception? failure = null;
        using var span = StartLoadActivity(activation.Key, parent, uncached: false);
        try
        {
            using var timeout = new CancellationTokenSource(_options.LoadTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token);
            try
            {
                // WaitAsync bounds the load even if the activator ignores its token.
                var grain = await _activator.OnActivateAsync(new GrainActivationContext(activation.Key, started), linked.Token)
                    .WaitAsync(_options.LoadTimeout, _time, _shutdown.Token).ConfigureAwait(false);
                _metrics.Loaded(GrainType, _time.GetElapsedTime(started));
                installed = grain;
                return grain;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = Map(e, activation.Key, timedOut: e is TimeoutException || (timeout.IsCancellationRequested && !_shutdown.IsCancellationRequested));
                _metrics.LoadFailed(GrainType);
                span?.SetStatus(ActivityStatusCode.Error, failure.Message);
                throw failure;
            }
        }
        finally
        {
            // Whatever happened (even an exception not caught above), the load is over: clear it, so the key can
            // load again and be collected.
            Complete(activation, installed, failure);
        }
    }

    /// <summary>The span of one load (<see cref="PermsActivitySource.GrainLoad"/>); null when nothing listens.</summary>
    private Activity? StartLoadActivity(string key, ActivityContext parent, bool uncached)
    {
        var activity = PermsActivitySource.Source.StartActivity(PermsActivitySource.GrainLoad, ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("perms.grain.type", GrainType);
            activity.SetTag("perms.grain.key", key);
            activity.SetTag("perms.grain.uncached", uncached);
        }

        return activity;
    }

    private void Complete(GrainActivation<TGrain> activation, TGrain? grain, Exception? failure)
    {
        var firstInstall = false;
        lock (activation)
        {
            activation.Loading = null;
            if (grain is not null)
            {
                activation.Failure = null;
                if (!activation.Removed)
                {
                    var previous = activation.Grain;
                    activation.Grain = grain;
                    activation.Touch(_time.GetTimestamp());
                    Interlocked.Add(ref _estimatedBytes, grain.EstimatedBytes - (previous?.EstimatedBytes ?? -ActivationOverheadBytes));
                    firstInstall = previous is null;
                }
                else
                {
                    _metrics.Discarded(GrainType);
                }
            }
            else
            {
                var failures = (activation.Failure?.Count ?? 0) + 1;
                if (_logger is not null)
                {
                    GrainCatalogLog.LoadFailed(_logger, GrainType, activation.Key, failures, failure?.Message ?? "unknown");
                }

                var backoff = Math.Min(_options.FailureBackoff.Ticks << Math.Min(failures - 1, 16), _options.MaxFailureBackoff.Ticks);
                activation.Failure = new LoadFailure(
                    failure ?? new StateUnavailableException($"{GrainType} {activation.Key}: loading failed"),
                    failures,
                    _time.GetTimestamp() + ToTimestamp(TimeSpan.FromTicks(backoff)));
            }
        }

        if (firstInstall)
        {
            _metrics.Activated(GrainType);
            Interlocked.Increment(ref _installed);
            if (Interlocked.Read(ref _installed) > _options.MaxActivations || Interlocked.Read(ref _estimatedBytes) > _options.MaxEstimatedBytes)
            {
                // Shedding sorts the whole catalog: never on a caller's path.
                ThreadPool.UnsafeQueueUserWorkItem(static catalog => catalog.EnforceCapacity(), this, preferLocal: false);
            }
        }
    }

    private void Retire(GrainActivation<TGrain> activation, DeactivationCause cause)
    {
        TGrain? grain;
        lock (activation)
        {
            activation.Removed = true;
            grain = activation.Grain;
            activation.Grain = null;
        }

        if (grain is not null)
        {
            Interlocked.Decrement(ref _installed);
            Interlocked.Add(ref _estimatedBytes, -grain.EstimatedBytes - ActivationOverheadBytes);
            _metrics.Deactivated(GrainType, cause);
        }
    }

    private void EnforceCapacity()
    {
        if ((Interlocked.Read(ref _installed) <= _options.MaxActivations && Interlocked.Read(ref _estimatedBytes) <= _options.MaxEstimatedBytes)
            || Interlocked.CompareExchange(ref _enforcingCapacity, 1, 0) != 0)
        {
            return;
        }

        try
        {
            // Shed down to 95% of the cap so that eviction runs now and then, not on every activation.
            var targetCount = (long)(_options.MaxActivations * 0.95);
            var targetBytes = (long)(_options.MaxEstimatedBytes * 0.95);
            // Sort a snapshot of the access times: they keep changing while we sort.
            var oldestFirst = _activations.Select(a => (LastAccess: a.Value.LastAccess, a.Key, Activation: a.Value)).ToArray();
            Array.Sort(oldestFirst, static (a, b) => a.LastAccess.CompareTo(b.LastAccess));
            foreach (var (_, key, activation) in oldestFirst)
            {
                if (Interlocked.Read(ref _installed) <= targetCount && Interlocked.Read(ref _estimatedBytes) <= targetBytes)
                {
                    break;
                }

                if (activation.Loading is null && _activations.TryRemove(new KeyValuePair<string, GrainActivation<TGrain>>(key, activation)))
                {
                    Retire(activation, DeactivationCause.Eviction);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _enforcingCapacity, 0);
        }
    }

    private Exception Map(Exception exception, string key, bool timedOut) => exception switch
    {
        InvalidStateException or StateUnavailableException => exception,
        BetterAuthReadException { IsTransient: false } e => new InvalidStateException($"{GrainType} {key}: {e.Message}", e),
        BetterAuthReadException e => new StateUnavailableException($"{GrainType} {key}: {e.Message}", e),
        TimeoutException or OperationCanceledException when timedOut => new StateUnavailableException($"{GrainType} {key}: loading took longer than {_options.LoadTimeout}", exception),
        OperationCanceledException => new StateUnavailableException($"{GrainType} {key}: the silo is shutting down", exception),
        _ => new StateUnavailableException($"{GrainType} {key}: loading failed: {exception.Message}", exception),
    };

    // The stored exception is rethrown to many callers: give each its own instance, so stack traces do not pile up.
    private static Exception Repeat(Exception failure) => failure switch
    {
        InvalidStateException e => new InvalidStateException(e.Message, e.InnerException),
        _ => new StateUnavailableException(failure.Message + " (retrying after a back-off)", failure.InnerException),
    };

    private long ToTimestamp(TimeSpan span) =>
        span == TimeSpan.MaxValue ? long.MaxValue : (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
