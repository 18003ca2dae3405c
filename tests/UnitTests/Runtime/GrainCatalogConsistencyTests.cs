using Perms.Grains.Interfaces.Errors;
using Perms.Silo.Runtime;

namespace Perms.UnitTests.Runtime;

/// <summary>
/// Per-request consistency in the catalog: <c>at_least_as_fresh</c> (a load that began no earlier than a time, with
/// the clock-skew margin) and <c>fully_consistent</c> (a read that bypasses the cache and is never installed).
/// </summary>
public sealed class GrainCatalogConsistencyTests : IDisposable
{
    private static readonly TimeSpan NoMargin = TimeSpan.Zero;

    private readonly ManualTimeProvider _time = new();
    private readonly ControllableActivator _activator = new();
    private readonly GrainRuntimeMetrics _metrics = new();
    private readonly GrainCatalog<TestGrain> _catalog;

    public GrainCatalogConsistencyTests()
    {
        _catalog = new GrainCatalog<TestGrain>("test", _activator, new GrainCatalogOptions(), _time, _metrics);
    }

    public void Dispose()
    {
        _catalog.Dispose();
        _metrics.Dispose();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<TestGrain> Warm(string key)
    {
        var call = _catalog.GetAsync(key, Token);
        (await _activator.NextLoadAsync()).Succeed();
        return await call;
    }

    [Fact]
    public async Task State_loaded_after_the_asked_time_is_served_from_the_cache()
    {
        var asked = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(1));
        var cached = await Warm("u1");
        _time.Advance(TimeSpan.FromSeconds(1));

        var fresh = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, NoMargin), Token);

        Assert.True(fresh.IsCompletedSuccessfully);
        Assert.Same(cached, await fresh);
        Assert.Equal(1, _activator.Loads);
    }

    [Fact]
    public async Task State_loaded_before_the_asked_time_is_reloaded_and_the_reload_is_what_later_calls_see()
    {
        await Warm("u1");
        _time.Advance(TimeSpan.FromSeconds(1));
        var asked = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(1));

        var call = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, NoMargin), Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        var reloaded = await call;

        Assert.Equal(2, reloaded.Load);
        Assert.Same(reloaded, await _catalog.GetAsync("u1", Token));
    }

    [Fact]
    public async Task The_clock_skew_margin_moves_the_asked_time_later()
    {
        var asked = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var cached = await Warm("u1");
        _time.Advance(TimeSpan.FromSeconds(5));

        var withinSmallMargin = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, TimeSpan.FromMilliseconds(100)), Token);
        Assert.Same(cached, await withinSmallMargin);

        var call = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, TimeSpan.FromMilliseconds(500)), Token).AsTask();
        (await _activator.NextLoadAsync()).Succeed();
        Assert.Equal(2, (await call).Load);
    }

    [Fact]
    public async Task A_time_still_to_come_asks_for_a_load_that_starts_now_not_for_waiting()
    {
        await Warm("u1");
        _time.Advance(TimeSpan.FromSeconds(1));

        var call = _catalog.GetAsync("u1", _catalog.TimestampOf(_time.GetUtcNow().AddHours(1), NoMargin), Token).AsTask();
        var load = await _activator.NextLoadAsync();
        load.Succeed();

        Assert.Equal(_time.GetTimestamp(), load.Context.LoadStartedAt);
        Assert.Equal(2, (await call).Load);
    }

    [Fact]
    public async Task A_load_in_flight_that_began_late_enough_is_shared()
    {
        var asked = _time.GetUtcNow();
        var first = _catalog.GetAsync("u1", Token).AsTask();
        var load = await _activator.NextLoadAsync();

        var fresh = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, NoMargin), Token).AsTask();
        load.Succeed();

        Assert.Same(await first, await fresh);
        Assert.Equal(1, _activator.Loads);
    }

    [Fact]
    public async Task A_load_in_flight_that_began_too_early_is_awaited_and_followed_by_a_new_one()
    {
        var early = _catalog.GetAsync("u1", Token).AsTask();
        var earlyLoad = await _activator.NextLoadAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        var asked = _time.GetUtcNow();

        var fresh = _catalog.GetAsync("u1", _catalog.TimestampOf(asked, NoMargin), Token).AsTask();
        earlyLoad.Succeed();
        Assert.Equal(1, (await early).Load);
        var lateLoad = await _activator.NextLoadAsync();
        lateLoad.Succeed();

        Assert.Equal(2, (await fresh).Load);
        Assert.True(lateLoad.Context.LoadStartedAt >= _catalog.TimestampOf(asked, NoMargin));
    }

    [Fact]
    public void A_time_older_than_the_maximum_staleness_is_satisfied_by_any_fresh_grain()
    {
        Assert.Equal(long.MinValue, _catalog.TimestampOf(_time.GetUtcNow().AddMinutes(-6), NoMargin));
        Assert.Equal(long.MinValue, _catalog.TimestampOf(DateTimeOffset.MinValue, NoMargin));
        Assert.Equal(_time.GetTimestamp(), _catalog.TimestampOf(DateTimeOffset.MaxValue, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_fully_consistent_read_loads_every_time_and_never_replaces_the_cached_grain()
    {
        var cached = await Warm("u1");

        var read1 = _catalog.LoadUncachedAsync("u1", Token);
        (await _activator.NextLoadAsync()).Succeed();
        var read2 = _catalog.LoadUncachedAsync("u1", Token);
        (await _activator.NextLoadAsync()).Succeed();

        Assert.Equal(2, (await read1).Load);
        Assert.Equal(3, (await read2).Load);
        Assert.Same(cached, _catalog.Peek("u1"));
        Assert.Same(cached, await _catalog.GetAsync("u1", Token));
    }

    [Fact]
    public async Task A_fully_consistent_read_of_a_key_not_cached_installs_nothing()
    {
        var read = _catalog.LoadUncachedAsync("u1", Token);
        (await _activator.NextLoadAsync()).Succeed();
        await read;

        Assert.Null(_catalog.Peek("u1"));
        Assert.Equal(0, _catalog.Count);
    }

    [Fact]
    public async Task A_fully_consistent_read_is_not_held_back_by_the_failure_back_off_and_fails_with_the_mapped_error()
    {
        var cold = _catalog.GetAsync("u1", Token).AsTask();
        (await _activator.NextLoadAsync()).Fail(new InvalidStateException("u1: bad row"));
        await Assert.ThrowsAsync<InvalidStateException>(() => cold);

        var read = _catalog.LoadUncachedAsync("u1", Token);
        (await _activator.NextLoadAsync()).Fail(new TimeoutException("slow"));

        var error = await Assert.ThrowsAsync<StateUnavailableException>(() => read);
        Assert.Contains("test u1: loading took longer than", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _activator.Loads);
    }

    [Fact]
    public async Task A_fully_consistent_read_the_caller_gives_up_on_is_cancelled_not_mapped()
    {
        using var caller = new CancellationTokenSource();
        var read = _catalog.LoadUncachedAsync("u1", caller.Token);
        var load = await _activator.NextLoadAsync();

        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.True(load.CancellationToken.IsCancellationRequested);
    }
}
