using Perms.Grains.Data;
using Perms.Grains.Interfaces.Errors;
using Perms.Silo.Runtime;

namespace Perms.UnitTests.Runtime;

/// <summary>The grain runtime's lifecycle and races, made deterministic with a controllable activator and a manual clock.</summary>
public sealed class GrainCatalogTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly ControllableActivator _activator = new();
    private readonly GrainRuntimeMetrics _metrics = new();
    private readonly GrainCatalog<TestGrain> _catalog;

    public GrainCatalogTests()
    {
        _catalog = Catalog(new GrainCatalogOptions());
    }

    public void Dispose()
    {
        _catalog.Dispose();
        _metrics.Dispose();
    }

    private GrainCatalog<TestGrain> Catalog(GrainCatalogOptions options) => new("test", _activator, options, _time, _metrics);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Waits (bounded) for work the catalog does on the thread pool; no timing is asserted.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }

    [Fact]
    public async Task The_first_call_activates_and_warm_calls_return_the_same_grain_synchronously()
    {
        var first = _catalog.GetAsync("u1", Token);
        (await _activator.NextLoadAsync()).Succeed();
        var grain = await first;

        var warm = _catalog.GetAsync("u1", Token);

        Assert.True(warm.IsCompletedSuccessfully);
        Assert.Same(grain, await warm);
        Assert.Equal(1, _activator.Loads);
        Assert.Equal(1, _catalog.Count);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_load()
    {
        var calls = Enumerable.Range(0, 50).Select(_ => _catalog.GetAsync("u1", Token).AsTask()).ToArray();
        var load = await _activator.NextLoadAsync();
        load.Succeed();

        var grains = await Task.WhenAll(calls);

        Assert.Equal(1, _activator.Loads);
        Assert.All(grains, g => Assert.Same(grains[0], g));
    }

    [Fact]
    public async Task A_deactivation_during_a_load_discards_it_and_the_waiting_callers_load_afresh()
    {
        var waiting = _catalog.GetAsync("u1", Token).AsTask();
        var stale = await _activator.NextLoadAsync();

        Assert.True(_catalog.Deactivate("u1", DeactivationCause.Event));
        stale.Succeed();
        var fresh = await _activator.NextLoadAsync();
        fresh.Succeed();
        var grain = await waiting;

        Assert.Equal(fresh.Number, grain.Load);
        Assert.Same(grain, await _catalog.GetAsync("u1", Token));
    }

    [Fact]
    public async Task A_call_after_a_deactivation_never_gets_the_load_that_began_before_it()
    {
        var before = _catalog.GetAsync("u1", Token).AsTask();
        var stale = await _activator.NextLoadAsync();
        _catalog.Deactivate("u1", DeactivationCause.Event);

        var after = _catalog.GetAsync("u1", Token).AsTask();
        var fresh = await _activator.NextLoadAsync();
        fresh.Succeed();
        stale.Succeed();

        Assert.Equal(fresh.Number, (await after).Load);
        Assert.Equal(fresh.Number, (await before).Load);
    }

    [Fact]
    public async Task A_failed_load_is_not_cached_and_fails_fast_during_the_back_off()
    {
        var call = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new BetterAuthReadException("connection refused", isTransient: true));

        var error = await Assert.ThrowsAsync<StateUnavailableException>(() => call);
        var repeated = await Assert.ThrowsAsync<StateUnavailableException>(() => _catalog.GetAsync("u1", Token).AsTask());

        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.Contains("back-off", repeated.Message, StringComparison.Ordinal);
        Assert.Equal(1, _activator.Loads);
        Assert.Null(_catalog.Peek("u1"));
    }

    [Fact]
    public async Task After_the_back_off_the_next_call_loads_again_and_succeeds()
    {
        var call = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new BetterAuthReadException("timeout", isTransient: true));
        await Assert.ThrowsAsync<StateUnavailableException>(() => call);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var retry = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();

        Assert.Equal(2, (await retry).Load);
    }

    [Fact]
    public async Task The_back_off_doubles_with_each_failure_up_to_its_maximum()
    {
        for (var failure = 1; failure <= 3; failure++)
        {
            var call = _catalog.GetAsync("u1", Token).AsTask();
            (await _activator.NextLoadAsync()).Fail(new BetterAuthReadException("down", isTransient: true));
            await Assert.ThrowsAsync<StateUnavailableException>(() => call);
            _time.Advance(TimeSpan.FromMilliseconds(100 << (failure - 1)) - TimeSpan.FromTicks(1));
            await Assert.ThrowsAsync<StateUnavailableException>(() => _catalog.GetAsync("u1", Token).AsTask());
            _time.Advance(TimeSpan.FromTicks(1));
        }

        Assert.Equal(3, _activator.Loads);
    }

    [Fact]
    public async Task A_permanent_read_error_is_an_invalid_state_not_an_unavailable_one()
    {
        var call = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new BetterAuthReadException("relation \"member\" does not exist", isTransient: false));

        var error = await Assert.ThrowsAsync<InvalidStateException>(() => call);

        Assert.Contains("test u1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_load_longer_than_the_load_timeout_fails_as_unavailable()
    {
        using var catalog = Catalog(new GrainCatalogOptions { LoadTimeout = TimeSpan.FromMilliseconds(50) });
        var call = catalog.GetAsync("u1", Token).AsTask();
        var load = await _activator.NextLoadAsync();

        _time.Advance(TimeSpan.FromMilliseconds(50)); // the activator ignores its token: the timeout must bound it anyway
        var error = await Assert.ThrowsAsync<StateUnavailableException>(() => call);
        Assert.True(load.CancellationToken.IsCancellationRequested);

        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_shared_load()
    {
        using var impatient = new CancellationTokenSource();
        var gaveUp = _catalog.GetAsync("u1", impatient.Token).AsTask();
        var patient = _catalog.GetAsync("u1", Token).AsTask();
        var load = await _activator.NextLoadAsync();

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        load.Succeed();

        Assert.Equal(load.Number, (await patient).Load);
        Assert.False(load.CancellationToken.IsCancellationRequested);
    }

    [Fact]
    public async Task State_past_the_maximum_staleness_is_reloaded_and_never_served_when_the_reload_fails()
    {
        var first = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        await first;

        _time.Advance(TimeSpan.FromMinutes(5));
        var reload = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new BetterAuthReadException("down", isTransient: true));

        await Assert.ThrowsAsync<StateUnavailableException>(() => reload);
    }

    [Fact]
    public async Task Warm_grains_keep_serving_while_the_database_is_down_within_the_staleness_bound()
    {
        var first = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        var grain = await first;
        _activator.Immediate = _ => new BetterAuthReadException("down", isTransient: true);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));

        Assert.Same(grain, await _catalog.GetAsync("u1", Token));
        Assert.Equal(1, _activator.Loads);
    }

    [Fact]
    public async Task After_mark_all_stale_every_grain_loaded_before_is_reloaded()
    {
        var first = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        await first;

        _time.Advance(TimeSpan.FromTicks(1));
        _catalog.MarkAllStale();
        _time.Advance(TimeSpan.FromTicks(1)); // a load in the same tick as the mark cannot be ordered after it
        var next = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();

        Assert.Equal(2, (await next).Load);
    }

    [Fact]
    public async Task A_load_that_began_before_mark_all_stale_is_not_served()
    {
        var call = _catalog.GetAsync("u1", Token).AsTask();
        var early = await _activator.NextLoadAsync();
        _time.Advance(TimeSpan.FromTicks(1));
        _catalog.MarkAllStale();
        _time.Advance(TimeSpan.FromTicks(1));
        early.Succeed();
        var late = await _activator.NextLoadAsync();
        late.Succeed();

        Assert.Equal(late.Number, (await call).Load);
    }

    [Fact]
    public async Task Idle_activations_are_collected_after_the_collection_age()
    {
        using var catalog = Catalog(new GrainCatalogOptions { MaxStaleness = TimeSpan.FromHours(1) });
        _activator.Immediate = _ => null;
        await catalog.GetAsync("idle", Token);
        await catalog.GetAsync("busy", Token);

        _time.Advance(TimeSpan.FromMinutes(4));
        await catalog.GetAsync("busy", Token);
        _time.Advance(TimeSpan.FromMinutes(11));
        catalog.Collect();

        Assert.Null(catalog.Peek("idle"));
        Assert.NotNull(catalog.Peek("busy"));
        Assert.Equal(1, catalog.Count);
    }

    [Fact]
    public async Task Deactivate_on_idle_keeps_serving_until_the_next_collection_pass()
    {
        _activator.Immediate = _ => null;
        var grain = await _catalog.GetAsync("u1", Token);

        Assert.True(_catalog.DeactivateOnIdle("u1"));
        Assert.False(_catalog.DeactivateOnIdle("nobody"));
        Assert.Same(grain, await _catalog.GetAsync("u1", Token));
        _catalog.Collect();

        Assert.Null(_catalog.Peek("u1"));
    }

    [Fact]
    public async Task Stale_grains_are_collected_to_free_their_memory()
    {
        _activator.Immediate = _ => null;
        await _catalog.GetAsync("u1", Token);

        _time.Advance(TimeSpan.FromMinutes(6));
        _catalog.Collect();

        Assert.Equal(0, _catalog.Count);
        Assert.Equal(0, _catalog.EstimatedBytes);
    }

    [Fact]
    public async Task Over_the_activation_cap_the_least_recently_used_are_shed()
    {
        using var catalog = Catalog(new GrainCatalogOptions { MaxActivations = 100 });
        _activator.Immediate = _ => null;
        for (var i = 0; i < 100; i++)
        {
            await catalog.GetAsync($"k{i}", Token);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await catalog.GetAsync("k0", Token); // k0 is now the most recently used
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await catalog.GetAsync("k100", Token);
        catalog.Collect(); // shedding runs off the callers' path (it may already be running there): run it and wait for it
        await Eventually(() => catalog.Count <= 95);

        Assert.True(catalog.Count <= 95, $"count {catalog.Count}");
        Assert.NotNull(catalog.Peek("k0"));
        Assert.NotNull(catalog.Peek("k100"));
        Assert.Null(catalog.Peek("k1"));
        Assert.Null(catalog.Peek("k5"));
    }

    [Fact]
    public async Task Over_the_byte_cap_the_least_recently_used_are_shed()
    {
        using var catalog = Catalog(new GrainCatalogOptions { MaxEstimatedBytes = 26_000 });
        _activator.Immediate = _ => null;
        for (var i = 0; i < 101; i++)
        {
            await catalog.GetAsync($"k{i}", Token);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        catalog.Collect();
        await Eventually(() => catalog.EstimatedBytes <= 26_000);
        Assert.True(catalog.EstimatedBytes <= 26_000, $"bytes {catalog.EstimatedBytes}");
        Assert.NotNull(catalog.Peek("k100"));
        Assert.Null(catalog.Peek("k0"));
    }

    [Fact]
    public async Task A_predicate_sees_no_grain_while_a_reload_is_in_flight()
    {
        var first = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        await first;
        _time.Advance(TimeSpan.FromMinutes(5)); // stale: the next call reloads while the old grain is still installed
        var reloading = _catalog.GetAsync("u1", Token).AsTask();
        var reload = await _activator.NextLoadAsync();

        Assert.Equal(1, _catalog.DeactivateWhere((_, grain) => grain is null || grain.Load != 1, DeactivationCause.Event));
        reload.Succeed();
        var fresh = await _activator.NextLoadAsync();
        fresh.Succeed();

        Assert.Equal(fresh.Number, (await reloading).Load);
    }

    [Fact]
    public async Task An_exception_the_load_does_not_catch_still_ends_the_load()
    {
        var call = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new OutOfMemoryException("synthetic"));
        await Assert.ThrowsAsync<OutOfMemoryException>(() => call);

        _time.Advance(TimeSpan.FromSeconds(3)); // past the back-off
        var retry = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();

        Assert.Equal(2, (await retry).Load);
    }

    [Fact]
    public async Task Deactivation_by_key_by_predicate_and_of_everything()
    {
        _activator.Immediate = _ => null;
        foreach (var key in new[] { "a1", "a2", "b1", "b2" })
        {
            await _catalog.GetAsync(key, Token);
        }

        Assert.True(_catalog.Deactivate("a1", DeactivationCause.Explicit));
        Assert.False(_catalog.Deactivate("a1", DeactivationCause.Explicit));
        Assert.Equal(1, _catalog.DeactivateWhere((key, _) => key.StartsWith('a'), DeactivationCause.Event));
        Assert.Equal(2, _catalog.DeactivateAll(DeactivationCause.Explicit));
        Assert.Equal(0, _catalog.Count);
        Assert.Equal(0, _catalog.EstimatedBytes);
    }

    [Fact]
    public async Task Estimated_bytes_follow_installs_and_deactivations()
    {
        _activator.Immediate = _ => null;
        await _catalog.GetAsync("u1", Token);
        await _catalog.GetAsync("u2", Token);

        Assert.Equal(2 * (100 + 160), _catalog.EstimatedBytes); // each grain's estimate plus the activation's overhead
        _catalog.Deactivate("u1", DeactivationCause.Event);
        Assert.Equal(100 + 160, _catalog.EstimatedBytes);
    }
}
