namespace Perms.Gateway.Hosting.Metrics;

/// <summary>How an instrument is aggregated and exported.</summary>
internal enum MetricKind
{
    /// <summary>A monotonic sum (<c>Counter&lt;T&gt;</c>): a Prometheus counter, named <c>…_total</c>.</summary>
    Counter,

    /// <summary>A sum that goes up and down (<c>UpDownCounter&lt;T&gt;</c>): a Prometheus gauge.</summary>
    UpDownCounter,

    /// <summary>The last value recorded (<c>Gauge&lt;T&gt;</c>): a Prometheus gauge.</summary>
    Gauge,

    /// <summary>A cumulative total observed at scrape time (<c>ObservableCounter&lt;T&gt;</c>): a Prometheus counter.</summary>
    ObservableCounter,

    /// <summary>A value observed at scrape time (<c>ObservableGauge&lt;T&gt;</c>, <c>ObservableUpDownCounter&lt;T&gt;</c>): a Prometheus gauge.</summary>
    ObservableGauge,

    /// <summary>A distribution in explicit buckets (<c>Histogram&lt;T&gt;</c>): a Prometheus histogram.</summary>
    Histogram,
}
