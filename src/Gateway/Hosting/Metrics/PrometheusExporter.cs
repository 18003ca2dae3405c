using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// A small Prometheus exporter over <see cref="System.Diagnostics.Metrics"/>: a <see cref="MeterListener"/> that enables
/// every instrument of the meters it is given, aggregates per tag set (counters and up-down counters as sums, gauges as
/// the last value, histograms in <see cref="HistogramBuckets"/>), observes the observable instruments at scrape time,
/// and writes text format 0.0.4 (<see cref="PrometheusText"/>).
/// </summary>
/// <remarks>
/// The recording path (every gRPC call) takes no lock and allocates nothing for a tag set already seen: one dictionary
/// lookup on the measurement's span and interlocked updates. Scrapes are serialised with each other. Two instruments
/// with the same name and kind (say, the same meter created twice) share their series; a second instrument with the
/// same name but another kind is not exported.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    private readonly Func<Meter, bool> _include;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, MetricStream> _streams = new(StringComparer.Ordinal);
    private readonly Lock _scrapeLock = new();

    /// <summary>Starts listening to the instruments of every meter <paramref name="include"/> accepts, existing and future.</summary>
    public PrometheusExporter(Func<Meter, bool> include)
    {
        ArgumentNullException.ThrowIfNull(include);
        _include = include;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricStream)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricStream)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>
    /// The exporter of a process: meters whose name starts with <c>Perms</c>, created by <paramref name="meterFactory"/>
    /// (this host's) or standalone — not those of another host's factory in the same process.
    /// </summary>
    public static PrometheusExporter ForPerms(IMeterFactory? meterFactory) =>
        new(meter => meter.Name.StartsWith("Perms", StringComparison.Ordinal) && (meter.Scope is null || ReferenceEquals(meter.Scope, meterFactory)));

    /// <summary>Observes the observable instruments and returns every family in text format 0.0.4, sorted by name.</summary>
    public string Scrape()
    {
        var output = new StringBuilder(16 * 1024);
        lock (_scrapeLock)
        {
            foreach (var stream in _streams.Values)
            {
                if (stream.IsObservable)
                {
                    stream.Clear();
                }
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // A callback threw: its instrument has no series this time; the others are exported.
            }

            foreach (var stream in _streams.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                PrometheusText.WriteFamily(output, stream);
            }
        }

        return output.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_include(instrument.Meter) || MetricStream.KindOf(instrument) is not { } kind)
        {
            return;
        }

        var stream = _streams.GetOrAdd(instrument.Name, static (name, state) => new MetricStream(name, state.kind, state.instrument.Unit, state.instrument.Description), (kind, instrument));
        if (stream.Kind == kind)
        {
            listener.EnableMeasurementEvents(instrument, stream);
        }
    }
}
