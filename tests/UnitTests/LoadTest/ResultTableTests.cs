using Perms.LoadTest.Reporting;

namespace Perms.UnitTests.LoadTest;

public sealed class ResultTableTests
{
    [Fact]
    public void Latencies_read_in_microseconds_below_a_millisecond_and_in_milliseconds_above()
    {
        Assert.Equal("87.3 µs", ReportFormat.Latency(87.3));
        Assert.Equal("412 µs", ReportFormat.Latency(412.2));
        Assert.Equal("1.25 ms", ReportFormat.Latency(1_250));
        Assert.Equal("12.5 ms", ReportFormat.Latency(12_500));
        Assert.Equal("1,250 ms", ReportFormat.Latency(1_250_000));
        Assert.Equal("–", ReportFormat.Latency(0));
    }

    [Fact]
    public void Ratios_read_as_factors_of_about_three_digits()
    {
        Assert.Equal("52.3× lower", ReportFormat.LatencyRatio(1 / 52.3));
        Assert.Equal("1.30× higher", ReportFormat.LatencyRatio(1.3));
        Assert.Equal("213×", ReportFormat.ThroughputRatio(212.7));
        Assert.Equal("0.72×", ReportFormat.ThroughputRatio(0.72));
        Assert.Equal("–", ReportFormat.ThroughputRatio(null));
        Assert.Equal("–", ReportFormat.LatencyRatio(0));
    }

    [Fact]
    public void The_markdown_table_has_a_row_per_result_and_ratios_against_the_baseline()
    {
        var report = SampleResults.Report();
        var writer = new StringWriter();

        ResultTable.Write(writer, report.Results, report.Results[1]);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("| target | mode | requests | throughput/s | p50 | p90 | p99 | p99.9 | max | errors | wrong | p50 vs baseline | throughput vs baseline |", lines[0]);
        Assert.Equal(lines[0].Count(c => c == '|'), lines[1].Count(c => c == '|'));
        Assert.StartsWith("| perms CheckPermission (warm) | open 1,000/s ≤64 in flight | 3,009 |", lines[2], StringComparison.Ordinal);
        Assert.Contains(" µs |", lines[2], StringComparison.Ordinal);
        Assert.Contains("× lower |", lines[2], StringComparison.Ordinal);
        Assert.Contains("| 20.0× |", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("| better-auth hasPermission (HTTP) | closed 16 workers | 150 |", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("| baseline | baseline |", lines[3], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.StartsWith("- perms CheckPermission (warm): errors: 6 overload, 3 UNAVAILABLE", StringComparison.Ordinal));
    }

    [Fact]
    public void The_markdown_table_escapes_pipes_and_tags_in_target_names()
    {
        var result = SampleResults.Create("a|b <c>", 100, 10, 1, SampleResults.Closed);
        var writer = new StringWriter();

        ResultTable.Write(writer, [result], null);

        Assert.Contains("| a\\|b \\<c> |", writer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("vs", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_are_this_result_over_the_baseline()
    {
        var report = SampleResults.Report();

        var ratio = Assert.Single(report.Ratios);

        Assert.Equal("better-auth hasPermission (HTTP)", ratio.Baseline);
        Assert.Equal(report.Results[0].Throughput / report.Results[1].Throughput, ratio.ThroughputRatio);
        Assert.Equal(report.Results[0].Latency["p50"] / report.Results[1].Latency["p50"], ratio.P50Ratio);
        Assert.InRange(ratio.P50Ratio!.Value, 0.005, 0.05);
    }
}
