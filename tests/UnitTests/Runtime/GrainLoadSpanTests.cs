using System.Collections.Concurrent;
using System.Diagnostics;
using Perms.Gateway.Tracing;
using Perms.Silo.Runtime;

namespace Perms.UnitTests.Runtime;

/// <summary>
/// A grain load is a <c>perms.grain.load</c> span, a child of the request that started it although the shared load
/// does not run in that request's execution context; a warm call starts no span.
/// </summary>
public sealed class GrainLoadSpanTests : IDisposable
{
    private readonly ControllableActivator _activator = new();
    private readonly GrainRuntimeMetrics _metrics = new();
    private readonly GrainCatalog<TestGrain> _catalog;

    public GrainLoadSpanTests()
    {
        _catalog = new GrainCatalog<TestGrain>("test", _activator, new GrainCatalogOptions(), TimeProvider.System, _metrics);
    }

    public void Dispose()
    {
        _catalog.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public async Task A_load_is_a_child_span_of_the_request_that_started_it()
    {
        using var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PermsActivitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.TraceId == request.TraceId)
                {
                    spans.Enqueue(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var call = _catalog.GetAsync("u1", TestContext.Current.CancellationToken);
        (await _activator.NextLoadAsync()).Succeed();
        await call;
        await _catalog.GetAsync("u1", TestContext.Current.CancellationToken);

        // The span ends as the load completes, on the load's own flow: wait for it, bounded.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (spans.IsEmpty)
        {
            await Task.Delay(5, limit.Token);
        }

        var load = Assert.Single(spans);
        Assert.Equal(PermsActivitySource.GrainLoad, load.OperationName);
        Assert.Equal(request.SpanId, load.ParentSpanId);
        Assert.Equal("test", load.GetTagItem("perms.grain.type"));
        Assert.Equal("u1", load.GetTagItem("perms.grain.key"));
        Assert.Same(request, Activity.Current);
    }
}
