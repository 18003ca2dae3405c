using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// Everything recorded for one exported name: its kind, help, unit, buckets, and a point per tag set. Finding the point
/// of a measurement's tags allocates nothing once the tag set has been seen (an alternate lookup on the span); a new
/// tag set allocates its point once. Past <see cref="MaxPoints"/> tag sets, new ones go to one overflow point tagged
/// <c>otel.metric.overflow="true"</c>, so a bad tag cannot grow memory without bound.
/// </summary>
internal sealed class MetricStream
{
    /// <summary>The most tag sets an instrument keeps.</summary>
    public const int MaxPoints = 2000;

    private static readonly TagSet OverflowTags = TagSet.Create([new KeyValuePair<string, object?>("otel.metric.overflow", true)]);

    private readonly ConcurrentDictionary<TagSet, MetricPoint> _points = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, MetricPoint>.AlternateLookup<TagSpan> _lookup;
    private readonly double[] _bounds;
    private int _pointCount;
    private MetricPoint? _overflow;

    public MetricStream(string name, MetricKind kind, string? unit, string? description)
    {
        Name = name;
        Kind = kind;
        Unit = unit;
        Description = description;
        _bounds = kind == MetricKind.Histogram ? [.. HistogramBuckets.For(unit)] : [];
        _lookup = _points.GetAlternateLookup<TagSpan>();
    }

    /// <summary>The instrument's name (as created, with dots).</summary>
    public string Name { get; }

    public MetricKind Kind { get; }

    public string? Unit { get; }

    public string? Description { get; }

    /// <summary>The histogram's upper bounds (empty for other kinds).</summary>
    public ReadOnlySpan<double> Bounds => _bounds;

    /// <summary>Whether values arrive only at scrape time (and are cleared before each).</summary>
    public bool IsObservable => Kind is MetricKind.ObservableCounter or MetricKind.ObservableGauge;

    /// <summary>The kind an instrument exports as; null for a kind this exporter does not know.</summary>
    public static MetricKind? KindOf(Instrument instrument)
    {
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        return definition switch
        {
            _ when definition == typeof(Counter<>) => MetricKind.Counter,
            _ when definition == typeof(UpDownCounter<>) => MetricKind.UpDownCounter,
            _ when definition == typeof(Gauge<>) => MetricKind.Gauge,
            _ when definition == typeof(Histogram<>) => MetricKind.Histogram,
            _ when definition == typeof(ObservableCounter<>) => MetricKind.ObservableCounter,
            _ when definition == typeof(ObservableGauge<>) => MetricKind.ObservableGauge,
            _ when definition == typeof(ObservableUpDownCounter<>) => MetricKind.ObservableGauge,
            _ => null,
        };
    }

    /// <summary>Records an integral measurement.</summary>
    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var point = PointFor(tags);
        switch (Kind)
        {
            case MetricKind.Counter or MetricKind.UpDownCounter:
                point.Add(value);
                break;
            case MetricKind.Histogram:
                point.Observe(value, _bounds);
                break;
            default:
                point.Set(value);
                break;
        }
    }

    /// <summary>Records a floating-point measurement.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var point = PointFor(tags);
        switch (Kind)
        {
            case MetricKind.Counter or MetricKind.UpDownCounter:
                point.Add(value);
                break;
            case MetricKind.Histogram:
                point.Observe(value, _bounds);
                break;
            default:
                point.Set(value);
                break;
        }
    }

    /// <summary>The points, in a stable order (by their labels).</summary>
    public List<MetricPoint> Snapshot()
    {
        var points = _points.Values.ToList();
        if (Volatile.Read(ref _overflow) is { } overflow)
        {
            points.Add(overflow);
        }

        return points;
    }

    /// <summary>Forgets every point (observable instruments, before they are observed again).</summary>
    public void Clear()
    {
        _points.Clear();
        Volatile.Write(ref _pointCount, 0);
        Volatile.Write(ref _overflow, null);
    }

    private MetricPoint PointFor(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _lookup.TryGetValue(new TagSpan(tags), out var point) ? point : AddPoint(tags);

    private MetricPoint AddPoint(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Interlocked.Increment(ref _pointCount) > MaxPoints)
        {
            Interlocked.Decrement(ref _pointCount);
            var overflow = Volatile.Read(ref _overflow);
            if (overflow is null)
            {
                var created = new MetricPoint(OverflowTags, _bounds.Length);
                overflow = Interlocked.CompareExchange(ref _overflow, created, null) ?? created;
            }

            return overflow;
        }

        var tagSet = TagSet.Create(tags);
        var added = new MetricPoint(tagSet, _bounds.Length);
        var stored = _points.GetOrAdd(tagSet, added);
        if (!ReferenceEquals(stored, added))
        {
            // Another thread added the same tags first.
            Interlocked.Decrement(ref _pointCount);
        }

        return stored;
    }
}
