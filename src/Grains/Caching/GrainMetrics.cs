using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Perms.Grains.Caching;

/// <summary>
/// The grain runtime's instruments (meter <c>Perms.Silo</c>): activations, deactivations by cause, loads, load
/// latency, load failures, discarded loads, and per type the current activations and estimated bytes.
/// </summary>
public sealed class GrainMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Perms.Silo";

    // One string per cause, made once: an eviction pass can deactivate hundreds of thousands of grains.
    private static readonly string[] CauseNames = [.. Enum.GetValues<DeactivationCause>().Select(c => c.ToString().ToLowerInvariant())];

    private readonly Meter _meter;
    private readonly Counter<long> _activations;
    private readonly Counter<long> _deactivations;
    private readonly Counter<long> _loads;
    private readonly Counter<long> _loadFailures;
    private readonly Counter<long> _discardedLoads;
    private readonly Histogram<double> _loadDuration;
    private readonly ConcurrentDictionary<string, (Func<int> Count, Func<long> Bytes)> _catalogs = new(StringComparer.Ordinal);

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private meter).</summary>
    public GrainMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _activations = _meter.CreateCounter<long>("perms.grain.activations", description: "Grains activated (state installed for the first time).");
        _deactivations = _meter.CreateCounter<long>("perms.grain.deactivations", description: "Grain state dropped, by cause (idle, event, eviction, explicit, shutdown).");
        _loads = _meter.CreateCounter<long>("perms.grain.loads", description: "State loads that succeeded.");
        _loadFailures = _meter.CreateCounter<long>("perms.grain.load_failures", description: "State loads that failed.");
        _discardedLoads = _meter.CreateCounter<long>("perms.grain.loads_discarded", description: "Loads overtaken by a deactivation and never installed.");
        _loadDuration = _meter.CreateHistogram<double>("perms.grain.load.duration", unit: "ms", description: "Time to load a grain's state.");
        _meter.CreateObservableGauge("perms.grain.activations.current", () => _catalogs.Select(c => new Measurement<int>(c.Value.Count(), Tag(c.Key))), description: "Current activations.");
        _meter.CreateObservableGauge("perms.grain.estimated_bytes", () => _catalogs.Select(c => new Measurement<long>(c.Value.Bytes(), Tag(c.Key))), unit: "By", description: "Estimated bytes held by grains.");
    }

    /// <summary>The meter the instruments live on (for a <see cref="MeterListener"/>).</summary>
    public Meter Meter => _meter;

    internal void Register(string grainType, Func<int> count, Func<long> bytes) => _catalogs[grainType] = (count, bytes);

    internal void Activated(string grainType) => _activations.Add(1, Tag(grainType));

    internal void Deactivated(string grainType, DeactivationCause cause) =>
        _deactivations.Add(1, Tag(grainType), new KeyValuePair<string, object?>("cause", CauseNames[(int)cause]));

    internal void Loaded(string grainType, TimeSpan duration)
    {
        _loads.Add(1, Tag(grainType));
        _loadDuration.Record(duration.TotalMilliseconds, Tag(grainType));
    }

    internal void LoadFailed(string grainType) => _loadFailures.Add(1, Tag(grainType));

    internal void Discarded(string grainType) => _discardedLoads.Add(1, Tag(grainType));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> Tag(string grainType) => new("grain.type", grainType);
}
