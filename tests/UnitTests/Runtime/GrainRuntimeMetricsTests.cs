using System.Diagnostics.Metrics;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Errors;
using Perms.Silo.Runtime;

namespace Perms.UnitTests.Runtime;

public sealed class GrainRuntimeMetricsTests
{
    [Fact]
    public async Task Activations_deactivations_by_cause_loads_failures_and_gauges_are_measured()
    {
        var time = new ManualTimeProvider();
        var activator = new ControllableActivator { Immediate = c => c.Key == "bad" ? new BetterAuthReadException("down", isTransient: true) : null };
        using var metrics = new GrainRuntimeMetrics();
        using var catalog = new GrainCatalog<TestGrain>("user", activator, new GrainCatalogOptions(), time, metrics);
        var measured = new List<(string Name, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measured.Add((i.Name, v, Describe(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => measured.Add((i.Name, v, Describe(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measured.Add((i.Name, v, Describe(tags))));
        listener.Start();

        await catalog.GetAsync("u1", TestContext.Current.CancellationToken);
        await catalog.GetAsync("u2", TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<StateUnavailableException>(() => catalog.GetAsync("bad", TestContext.Current.CancellationToken).AsTask());
        catalog.Deactivate("u1", DeactivationCause.Event);
        listener.RecordObservableInstruments();

        Assert.Equal(2, measured.Count(m => m.Name == "perms.grain.activations" && m.Tags == "grain.type=user"));
        Assert.Equal(2, measured.Count(m => m.Name == "perms.grain.loads"));
        Assert.Equal(2, measured.Count(m => m.Name == "perms.grain.load.duration"));
        Assert.Single(measured, m => m.Name == "perms.grain.load_failures");
        Assert.Single(measured, m => m.Name == "perms.grain.deactivations" && m.Tags == "grain.type=user,cause=event");
        Assert.Contains(measured, m => m.Name == "perms.grain.activations.current" && m.Value == 2); // u2 and the failed "bad"
        Assert.Contains(measured, m => m.Name == "perms.grain.estimated_bytes" && m.Value == 100 + 160);
    }

    private static string Describe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(",", parts);
    }
}
