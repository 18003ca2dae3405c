using System.Diagnostics.Metrics;
using Perms.Gateway.Hosting.Metrics;

namespace Perms.UnitTests.Hosting.Metrics;

public sealed class PrometheusExporterTests : IDisposable
{
    private const int MetricLimit = 2000;

    private readonly Meter _meter = new("Perms.Tests.Exporter." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        var name = _meter.Name;
        _exporter = new PrometheusExporter(meter => meter.Name == name);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Counters_sum_per_tag_set_whatever_the_tag_order()
    {
        var counter = _meter.CreateCounter<long>("test.calls", description: "Calls.");
        counter.Add(2, new("method", "Check"), new("status", "OK"));
        counter.Add(3, new("status", "OK"), new("method", "Check"));
        counter.Add(1, new KeyValuePair<string, object?>("method", "Batch"), new("status", "OK"));
        counter.Add(4);

        var lines = Lines(_exporter.Scrape());

        Assert.Equal(
            [
                "# HELP test_calls_total Calls.",
                "# TYPE test_calls_total counter",
                "test_calls_total 4",
                "test_calls_total{method=\"Batch\",status=\"OK\"} 1",
                "test_calls_total{method=\"Check\",status=\"OK\"} 5",
            ],
            lines);
    }

    [Fact]
    public void Double_counters_and_up_down_counters_sum()
    {
        _meter.CreateCounter<double>("test.seconds_spent").Add(0.25);
        _meter.CreateCounter<double>("test.seconds_spent").Add(0.5); // the same name again: one series
        var queue = _meter.CreateUpDownCounter<int>("test.queue", description: "Queued.");
        queue.Add(5);
        queue.Add(-2);

        var text = _exporter.Scrape();

        Assert.Contains("# TYPE test_seconds_spent_total counter\ntest_seconds_spent_total 0.75\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE test_queue gauge\ntest_queue 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Gauges_keep_the_last_value()
    {
        var gauge = _meter.CreateGauge<double>("test.temperature");
        gauge.Record(20);
        gauge.Record(21.5);

        Assert.Contains("test_temperature 21.5\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Observable_instruments_are_observed_at_each_scrape_and_forget_vanished_series()
    {
        var value = 1;
        var reported = new List<string> { "a", "b" };
        _meter.CreateObservableGauge("test.level", () => reported.Select(r => new Measurement<int>(value, new KeyValuePair<string, object?>("part", r))).ToList());
        _meter.CreateObservableCounter("test.done", () => (long)value * 10);

        var first = _exporter.Scrape();
        value = 7;
        reported.Remove("a");
        var second = _exporter.Scrape();

        Assert.Contains("test_level{part=\"a\"} 1\n", first, StringComparison.Ordinal);
        Assert.Contains("test_level{part=\"b\"} 1\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE test_done_total counter\ntest_done_total 10\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("part=\"a\"", second, StringComparison.Ordinal);
        Assert.Contains("test_level{part=\"b\"} 7\n", second, StringComparison.Ordinal);
        Assert.Contains("test_done_total 70\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void A_throwing_callback_drops_only_its_instrument()
    {
        _meter.CreateObservableGauge<int>("test.broken", (Func<int>)(() => throw new InvalidOperationException("no")));
        _meter.CreateObservableGauge("test.fine", () => 2);

        var text = _exporter.Scrape();

        Assert.Contains("test_fine 2\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("test_broken", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histograms_count_in_cumulative_buckets_bounds_inclusive()
    {
        var histogram = _meter.CreateHistogram<double>("test.latency", unit: "ms", description: "Latency.");
        var tag = new KeyValuePair<string, object?>("op", "x");
        foreach (var value in new[] { 0.01, 0.05, 0.07, 1, 3, 20000 })
        {
            histogram.Record(value, tag);
        }

        var lines = Lines(_exporter.Scrape());

        Assert.Equal("# HELP test_latency_milliseconds Latency.", lines[0]);
        Assert.Equal("# TYPE test_latency_milliseconds histogram", lines[1]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"0.05\"} 2", lines[2]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"0.1\"} 3", lines[3]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"0.5\"} 3", lines[5]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"1\"} 4", lines[6]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"5\"} 5", lines[8]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"10000\"} 5", lines[18]);
        Assert.Equal("test_latency_milliseconds_bucket{op=\"x\",le=\"+Inf\"} 6", lines[19]);
        Assert.Equal("test_latency_milliseconds_sum{op=\"x\"} 20004.13", lines[20]);
        Assert.Equal("test_latency_milliseconds_count{op=\"x\"} 6", lines[21]);
        Assert.Equal(22, lines.Count);
    }

    [Fact]
    public void Histograms_in_seconds_get_the_bounds_in_seconds()
    {
        _meter.CreateHistogram<double>("test.wait", unit: "s").Record(0.00007);

        var text = _exporter.Scrape();

        Assert.Contains("test_wait_seconds_bucket{le=\"0.00005\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("test_wait_seconds_bucket{le=\"0.0001\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("test_wait_seconds_bucket{le=\"10\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_are_escaped_and_names_sanitised()
    {
        _meter.CreateCounter<int>("test.odd-name", description: "Line one\nline \\two").Add(1, new KeyValuePair<string, object?>("user.id", "a\"b\\c\nd"), new("flag", true));

        var lines = Lines(_exporter.Scrape());

        Assert.Equal(
            [
                "# HELP test_odd_name_total Line one\\nline \\\\two",
                "# TYPE test_odd_name_total counter",
                "test_odd_name_total{flag=\"true\",user_id=\"a\\\"b\\\\c\\nd\"} 1",
            ],
            lines);
    }

    [Fact]
    public void Meters_the_filter_rejects_are_not_exported_and_empty_families_are_omitted()
    {
        using var other = new Meter("Perms.Tests.Other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<int>("test.other").Add(1);
        _meter.CreateCounter<int>("test.never_recorded");

        Assert.Equal(string.Empty, _exporter.Scrape());
    }

    [Fact]
    public void Recording_with_a_known_tag_set_allocates_nothing()
    {
        var counter = _meter.CreateCounter<long>("test.hot");
        var histogram = _meter.CreateHistogram<double>("test.hot_latency", unit: "ms");
        var method = new KeyValuePair<string, object?>("rpc.method", "Check");
        var service = new KeyValuePair<string, object?>("rpc.service", "perms.v1.PermissionService");
        var status = new KeyValuePair<string, object?>("rpc.grpc.status_code", 0);
        counter.Add(1, service, method, status);
        histogram.Record(0.2, service, method, status);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            counter.Add(1, service, method, status);
            histogram.Record(i % 100, service, method, status);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("test_hot_total{rpc_grpc_status_code=\"0\",rpc_method=\"Check\",rpc_service=\"perms.v1.PermissionService\"} 10001\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_recording_loses_nothing()
    {
        var counter = _meter.CreateCounter<long>("test.parallel");
        var doubles = _meter.CreateCounter<double>("test.parallel_double");
        var histogram = _meter.CreateHistogram<double>("test.parallel_latency", unit: "ms");
        Parallel.For(0, 8, worker =>
        {
            var tag = new KeyValuePair<string, object?>("shard", worker % 2);
            for (var i = 0; i < 20_000; i++)
            {
                counter.Add(1, tag);
                doubles.Add(0.5, tag);
                histogram.Record(1, tag);
            }
        });

        var text = _exporter.Scrape();

        Assert.Contains("test_parallel_total{shard=\"0\"} 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_total{shard=\"1\"} 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_double_total{shard=\"1\"} 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_latency_milliseconds_count{shard=\"0\"} 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_latency_milliseconds_sum{shard=\"0\"} 80000\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_the_limit_new_tag_sets_go_to_one_overflow_series()
    {
        var counter = _meter.CreateCounter<int>("test.wide");
        for (var i = 0; i < MetricLimit + 50; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        counter.Add(1, new KeyValuePair<string, object?>("id", 0)); // a known series still counts as itself
        var lines = Lines(_exporter.Scrape()).Where(l => !l.StartsWith('#')).ToList();

        Assert.Equal(MetricLimit + 1, lines.Count);
        Assert.Contains("test_wide_total{id=\"0\"} 2", lines);
        Assert.Contains("test_wide_total{otel_metric_overflow=\"true\"} 50", lines);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}
