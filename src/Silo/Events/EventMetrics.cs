using System.Diagnostics.Metrics;

namespace Perms.Silo.Events;

/// <summary>
/// The change-event instruments (meter <c>Perms.Silo</c>): events by subject and outcome, event → deactivation
/// latency, messages dropped by a full hand-off, NATS connection state and reconnects.
/// </summary>
public sealed class EventMetrics : IDisposable
{
    /// <summary>Outcome tag: the event was applied.</summary>
    public const string Applied = "applied";

    /// <summary>Outcome tag: applied, but a field Perms does not act on was missing or invalid.</summary>
    public const string AppliedWithWarnings = "applied_with_warnings";

    /// <summary>Outcome tag: the payload could not be used; dropped.</summary>
    public const string Malformed = "malformed";

    /// <summary>Outcome tag: a subject the contract does not have; dropped.</summary>
    public const string UnknownSubject = "unknown_subject";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _reconnects;
    private int _connected;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private meter).</summary>
    public EventMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Perms.Grains.Caching.GrainMetrics.MeterName) ?? new Meter(Perms.Grains.Caching.GrainMetrics.MeterName);
        _events = _meter.CreateCounter<long>("perms.events", description: "Change events received, by subject and outcome (applied, applied_with_warnings, malformed, unknown_subject).");
        _latency = _meter.CreateHistogram<double>("perms.events.invalidation_latency", unit: "ms", description: "From the event's occurredAt (publisher's clock) to the grains' deactivation on this silo.");
        _dropped = _meter.CreateCounter<long>("perms.events.dropped", description: "Messages dropped because the hand-off to the event handler was full (every grain is then treated as stale).");
        _reconnects = _meter.CreateCounter<long>("perms.nats.reconnects", description: "Reconnections to NATS (every grain is then treated as stale).");
        _meter.CreateObservableGauge("perms.nats.connected", () => Volatile.Read(ref _connected), description: "1 while the event subscription is connected to NATS, else 0.");
    }

    /// <summary>The meter the instruments live on (for a <see cref="MeterListener"/>).</summary>
    public Meter Meter => _meter;

    internal void Event(string subject, string outcome) =>
        _events.Add(1, new KeyValuePair<string, object?>("subject", subject), new KeyValuePair<string, object?>("outcome", outcome));

    internal void Latency(string subject, double milliseconds) => _latency.Record(milliseconds, new KeyValuePair<string, object?>("subject", subject));

    internal void Dropped(long count) => _dropped.Add(count);

    internal void Connected(bool connected, bool isReconnect)
    {
        Volatile.Write(ref _connected, connected ? 1 : 0);
        if (connected && isReconnect)
        {
            _reconnects.Add(1);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
