using Perms.Gateway.Hosting.Metrics;

namespace Perms.UnitTests.Hosting.Metrics;

public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData("perms.grpc.server.duration", "perms_grpc_server_duration")]
    [InlineData("a-b/c d", "a_b_c_d")]
    [InlineData("ns:sub.name", "ns:sub_name")]
    [InlineData("9lives", "_9lives")]
    [InlineData("métrique", "m_trique")]
    public void Metric_names_keep_only_letters_digits_underscores_and_colons(string name, string expected) =>
        Assert.Equal(expected, PrometheusText.SanitizeMetricName(name));

    [Theory]
    [InlineData("rpc.grpc.status_code", "rpc_grpc_status_code")]
    [InlineData("grain.type", "grain_type")]
    [InlineData("a:b", "a_b")]
    [InlineData("1st", "_1st")]
    public void Label_names_keep_only_letters_digits_and_underscores(string name, string expected) =>
        Assert.Equal(expected, PrometheusText.SanitizeLabelName(name));

    [Theory]
    [InlineData("perms.grpc.server.duration", "ms", false, "perms_grpc_server_duration_milliseconds")]
    [InlineData("perms.process.uptime", "s", false, "perms_process_uptime_seconds")]
    [InlineData("perms.grain.estimated_bytes", "By", false, "perms_grain_estimated_bytes")]
    [InlineData("perms.process.gc.allocated", "By", true, "perms_process_gc_allocated_bytes_total")]
    [InlineData("perms.events", null, true, "perms_events_total")]
    [InlineData("perms.things_total", null, true, "perms_things_total")]
    [InlineData("perms.nats.connected", "{connection}", false, "perms_nats_connected")]
    public void Exported_names_add_the_unit_and_total(string instrument, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(instrument, unit, counter));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("two\nlines", "two\\nlines")]
    [InlineData("\\\"\n", "\\\\\\\"\\n")]
    public void Label_values_escape_backslash_quote_and_newline(string value, string expected) =>
        Assert.Equal(expected, PrometheusText.EscapeLabelValue(value));

    [Fact]
    public void Help_escapes_backslash_and_newline_but_not_quotes() =>
        Assert.Equal("say \"hi\"\\nC:\\\\x", PrometheusText.EscapeHelp("say \"hi\"\nC:\\x"));

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(3.0, "3")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_use_invariant_round_trip_notation(double value, string expected) =>
        Assert.Equal(expected, PrometheusText.FormatValue(value));

    [Fact]
    public void Bounds_are_plain_decimals()
    {
        Assert.Equal("0.05", PrometheusText.FormatBound(0.05));
        Assert.Equal("0.00005", PrometheusText.FormatBound(HistogramBuckets.Seconds[0]));
        Assert.Equal("10000", PrometheusText.FormatBound(10000));
        Assert.Equal("+Inf", PrometheusText.FormatBound(double.PositiveInfinity));
    }

    [Fact]
    public void Label_values_of_other_types_are_invariant()
    {
        Assert.Equal("true", PrometheusText.LabelValue(true));
        Assert.Equal("14", PrometheusText.LabelValue(14));
        Assert.Equal("1.5", PrometheusText.LabelValue(1.5));
        Assert.Equal(string.Empty, PrometheusText.LabelValue(null));
    }

    [Fact]
    public void Buckets_start_at_50_microseconds()
    {
        Assert.Equal([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], HistogramBuckets.Milliseconds);
        Assert.Equal(HistogramBuckets.Milliseconds.Select(b => b / 1000), HistogramBuckets.Seconds, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Same(HistogramBuckets.Seconds, HistogramBuckets.For("s"));
        Assert.Same(HistogramBuckets.Milliseconds, HistogramBuckets.For("ms"));
        Assert.Same(HistogramBuckets.Milliseconds, HistogramBuckets.For(null));
    }
}
