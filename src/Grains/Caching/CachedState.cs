using System.Diagnostics;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Tracing;

namespace Perms.Grains.Caching;

/// <summary>
/// A grain's lazily loaded, invalidatable copy of its rows. Owned by one activation and used only inside its turns
/// (the Orleans scheduler runs them one at a time, even when calls interleave), so it takes no lock.
/// </summary>
/// <remarks>
/// The invariants: at most one load in flight; a load that an invalidation overtakes is never installed (its waiters
/// load again); no state older than the maximum staleness or the silo's staleness epoch is ever answered from; a failed
/// load is repeated to callers without touching the database until its back-off ends; a failure is an exception, never
/// state.
/// </remarks>
/// <typeparam name="TState">The compiled state.</typeparam>
public sealed class CachedState<TState> : IDisposable
    where TState : class, ILoadedState
{
    // A key whose state keeps changing under its loads gives up after this many loads instead of looping forever.
    private const int MaxLoadsPerCall = 4;

    private readonly string _key;
    private readonly Func<string, CancellationToken, Task<TState>> _load;
    private readonly LocalActivations<TState> _activations;
    private readonly GrainStateOptions _options;
    private readonly TimeProvider _time;
    private readonly GrainMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _deactivating = new();
    private readonly long _maxStaleness;
    private TState? _state;
    private long _loadStartedAt;
    private Task<TState>? _loading;
    private int _generation;
    private LoadFailure? _failure;
    private bool _everInstalled;

    /// <summary>
    /// Creates the state of one activation. It registers in this silo's <paramref name="activations"/> while it holds
    /// state or a load, so the index lists exactly the activations an invalidation has something to drop in.
    /// </summary>
    /// <param name="key">The grain key.</param>
    /// <param name="load">Reads and compiles the state (honours its token).</param>
    /// <param name="activations">This silo's index of the grain type.</param>
    /// <param name="options">The grain type's lifetime rules.</param>
    /// <param name="time">The clock.</param>
    /// <param name="metrics">Where loads are counted.</param>
    /// <param name="logger">Where load failures are logged.</param>
    public CachedState(string key, Func<string, CancellationToken, Task<TState>> load, LocalActivations<TState> activations, GrainStateOptions options, TimeProvider time, GrainMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _key = key;
        _load = load;
        _activations = activations;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxStaleness = options.MaxStaleness == TimeSpan.MaxValue ? long.MaxValue
            : (long)(options.MaxStaleness.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);
    }

    /// <summary>The installed state, or null while a load is in flight or nothing is held (read from any thread).</summary>
    internal TState? CurrentOrNullWhileLoading => Volatile.Read(ref _loading) is null ? Volatile.Read(ref _state) : null;

    /// <summary>Whether state or a load is held.</summary>
    public bool IsHolding => _state is not null || _loading is not null;

    /// <summary>
    /// The state as <paramref name="consistency"/> asks: cached (loaded if missing or stale), loaded no earlier than a
    /// time, or read for this call only. Warm and fresh: completes synchronously and allocates nothing.
    /// </summary>
    /// <param name="consistency">The caller's consistency.</param>
    /// <param name="clockSkewMargin">Added to an <c>at_least_as_fresh</c> time (the caller's clock may be ahead).</param>
    /// <param name="cancellationToken">The caller's cancellation (a shared load goes on for the others).</param>
    /// <exception cref="StateUnavailableException">The state cannot be loaded now.</exception>
    /// <exception cref="InvalidStateException">The stored data or schema cannot be used.</exception>
    public ValueTask<TState> GetAsync(ReadConsistency consistency, TimeSpan clockSkewMargin, CancellationToken cancellationToken) => consistency.Kind switch
    {
        ReadConsistencyKind.MinimizeLatency => GetAsync(long.MinValue, cancellationToken),
        ReadConsistencyKind.AtLeastAsFresh => GetAsync(TimestampOf(consistency.NotReadBefore, clockSkewMargin), cancellationToken),
        _ => new ValueTask<TState>(LoadUncachedAsync(cancellationToken)),
    };

    /// <summary>Drops the state and discards a load in flight (its waiters load again). Never loads.</summary>
    /// <param name="cause">Why, for the metrics.</param>
    /// <returns>Whether state or a load was dropped.</returns>
    public bool Invalidate(DeactivationCause cause)
    {
        var held = IsHolding;
        _generation++;
        if (_loading is not null)
        {
            _metrics.Discarded(_activations.GrainType);
        }

        Volatile.Write(ref _loading, null);
        _failure = null;
        Drop(cause);
        _activations.Remove(_key, this);
        return held;
    }

    /// <summary>Unregisters from the silo's index and abandons a load in flight (the activation is leaving).</summary>
    /// <param name="cause">Why, for the metrics.</param>
    public void Deactivated(DeactivationCause cause)
    {
        _activations.Remove(_key, this);
        _generation++;
        Volatile.Write(ref _loading, null);
        Drop(cause);
        _deactivating.Cancel();
    }

    /// <inheritdoc />
    public void Dispose() => _deactivating.Dispose();

    /// <summary>
    /// The runtime timestamp of the wall-clock <paramref name="time"/> plus <paramref name="margin"/>: now for a time
    /// still to come, the lowest value for a time older than the maximum staleness (every fresh state is newer).
    /// </summary>
    internal long TimestampOf(DateTimeOffset time, TimeSpan margin)
    {
        var nowTimestamp = _time.GetTimestamp();
        var ahead = (Int128)time.UtcTicks + margin.Ticks - _time.GetUtcNow().UtcTicks;
        if (ahead >= 0)
        {
            return nowTimestamp;
        }

        return -ahead >= _options.MaxStaleness.Ticks ? long.MinValue
            : nowTimestamp - (long)((long)-ahead * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
    }

    private ValueTask<TState> GetAsync(long notLoadedBefore, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        notLoadedBefore = Math.Min(notLoadedBefore, now);
        return _state is { } state && IsFresh(now) && _loadStartedAt >= notLoadedBefore
            ? new ValueTask<TState>(state)
            : new ValueTask<TState>(LoadAndGetAsync(notLoadedBefore, cancellationToken));
    }

    private async Task<TState> LoadAndGetAsync(long notLoadedBefore, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxLoadsPerCall; attempt++)
        {
            var now = _time.GetTimestamp();
            if (_state is { } installed && IsFresh(now) && _loadStartedAt >= notLoadedBefore)
            {
                return installed;
            }

            if (_loading is null && _failure is { } failure && now < failure.RetryAfter)
            {
                // A failed load is not state: within the back-off the error is repeated without touching the database.
                throw Repeat(failure.Error);
            }

            if (_loading is null)
            {
                // Registered before the load starts, in this turn: an event handled from now on finds this activation.
                _activations.Add(_key, this);
                var load = LoadAndInstallAsync(_generation);

                // A load that completed synchronously has installed itself already; only one still running is shared.
                if (!load.IsCompleted)
                {
                    Volatile.Write(ref _loading, load);
                }

                // The load is shared: one caller giving up must not cancel it for the others.
                await load.WaitAsync(cancellationToken).ConfigureAwait(true);
            }
            else
            {
                await _loading.WaitAsync(cancellationToken).ConfigureAwait(true);
            }

            // Loop: installed and fresh enough → answered above; invalidated while loading, or begun before the time
            // this caller asked for → load afresh.
        }

        throw new StateUnavailableException($"{_activations.GrainType} {_key}: the state changed during {MaxLoadsPerCall} loads in a row; try again");
    }

    private async Task<TState> LoadAndInstallAsync(int generation)
    {
        var started = _time.GetTimestamp();
        using var span = StartLoadActivity(uncached: false);
        try
        {
            var state = await ReadAsync(span, CancellationToken.None).ConfigureAwait(true);
            if (generation == _generation)
            {
                var previous = _state;
                Volatile.Write(ref _state, state);
                _loadStartedAt = started;
                _failure = null;
                Volatile.Write(ref _loading, null);
                _activations.AddBytes(state.EstimatedBytes - (previous?.EstimatedBytes ?? 0));
                if (!_everInstalled)
                {
                    _everInstalled = true;
                    _metrics.Activated(_activations.GrainType);
                }
            }

            return state;
        }
        catch (Exception e) when (e is InvalidStateException or StateUnavailableException)
        {
            if (generation == _generation)
            {
                Volatile.Write(ref _loading, null);
                var failures = (_failure?.Count ?? 0) + 1;
                GrainStateLog.LoadFailed(_logger, _activations.GrainType, _key, failures, e.Message);
                var backoff = Math.Min(_options.FailureBackoff.Ticks << Math.Min(failures - 1, 16), _options.MaxFailureBackoff.Ticks);
                _failure = new LoadFailure(e, failures, _time.GetTimestamp() + (long)(backoff * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond));
            }

            throw;
        }
    }

    private async Task<TState> LoadUncachedAsync(CancellationToken cancellationToken)
    {
        using var span = StartLoadActivity(uncached: true);
        return await ReadAsync(span, cancellationToken).ConfigureAwait(true);
    }

    // One read of the rows, bounded by the load timeout even if the reader ignores its token; every failure becomes
    // one of the two exceptions callers map to statuses.
    private async Task<TState> ReadAsync(Activity? span, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.LoadTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _deactivating.Token, cancellationToken);
        try
        {
            var state = await _load(_key, linked.Token).WaitAsync(_options.LoadTimeout, _time, linked.Token).ConfigureAwait(true);
            _metrics.Loaded(_activations.GrainType, _time.GetElapsedTime(started));
            return state;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _metrics.LoadFailed(_activations.GrainType);
            var failure = Map(e, timedOut: e is TimeoutException || (timeout.IsCancellationRequested && !_deactivating.IsCancellationRequested));
            span?.SetStatus(ActivityStatusCode.Error, failure.Message);
            throw failure;
        }
    }

    private bool IsFresh(long now) => _loadStartedAt > _activations.StaleBefore && now - _loadStartedAt < _maxStaleness;

    private void Drop(DeactivationCause cause)
    {
        if (Volatile.Read(ref _state) is { } state)
        {
            Volatile.Write(ref _state, null);
            _activations.AddBytes(-state.EstimatedBytes);
            _metrics.Deactivated(_activations.GrainType, cause);
        }
    }

    /// <summary>The span of one load (<see cref="PermsActivitySource.GrainLoad"/>); null when nothing listens.</summary>
    private Activity? StartLoadActivity(bool uncached)
    {
        var activity = PermsActivitySource.Source.StartActivity(PermsActivitySource.GrainLoad, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("perms.grain.type", _activations.GrainType);
            activity.SetTag("perms.grain.key", _key);
            activity.SetTag("perms.grain.uncached", uncached);
        }

        return activity;
    }

    private Exception Map(Exception exception, bool timedOut) => exception switch
    {
        InvalidStateException or StateUnavailableException => exception,
        BetterAuthReadException { IsTransient: false } e => new InvalidStateException($"{_activations.GrainType} {_key}: {e.Message}"),
        BetterAuthReadException e => new StateUnavailableException($"{_activations.GrainType} {_key}: {e.Message}"),
        TimeoutException or OperationCanceledException when timedOut => new StateUnavailableException($"{_activations.GrainType} {_key}: loading took longer than {_options.LoadTimeout}"),
        OperationCanceledException => new StateUnavailableException($"{_activations.GrainType} {_key}: the grain is being deactivated"),
        _ => new StateUnavailableException($"{_activations.GrainType} {_key}: loading failed: {exception.Message}"),
    };

    // The stored exception is rethrown to many callers: give each its own instance, so stack traces do not pile up.
    private static Exception Repeat(Exception failure) => failure switch
    {
        InvalidStateException e => new InvalidStateException(e.Message),
        _ => new StateUnavailableException(failure.Message + " (retrying after a back-off)"),
    };
}
