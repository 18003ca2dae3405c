using System.Text;
using Perms.LoadTest.Reporting;

namespace Perms.UnitTests.LoadTest;

public sealed class JsonReportTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_json_report_round_trips()
    {
        var report = SampleResults.Report();
        using var stream = new MemoryStream();

        await JsonReport.WriteAsync(stream, report, Token);
        stream.Position = 0;
        var read = await JsonReport.ReadAsync(stream, Token);

        Assert.Equal(report.Title, read.Title);
        Assert.Equal(report.StartedAt, read.StartedAt);
        Assert.Equal(report.CommandLine, read.CommandLine);
        Assert.Equal(report.Parameters, read.Parameters);
        Assert.Equal(report.Baseline, read.Baseline);
        Assert.Equal(report.Ratios, read.Ratios);
        Assert.Equal(report.Environment, read.Environment);
        Assert.Equal(report.Results.Count, read.Results.Count);
        Assert.NotNull(report.Results[0].StartDelay);
        Assert.Null(report.Results[1].StartDelay);
        foreach (var (expected, actual) in report.Results.Zip(read.Results))
        {
            Assert.Equal(expected.Target, actual.Target);
            Assert.Equal(expected.Options, actual.Options);
            Assert.Equal(expected.Elapsed, actual.Elapsed);
            Assert.Equal((expected.Correct, expected.Wrong, expected.Errors), (actual.Correct, actual.Wrong, actual.Errors));
            Assert.Equal(expected.ErrorsByDetail, actual.ErrorsByDetail);
            Assert.Equal(expected.WrongExamples, actual.WrongExamples);
            Assert.Equal(expected.Latency, actual.Latency);
            Assert.Equal(expected.Histogram, actual.Histogram);
            Assert.Equal(expected.Timeline, actual.Timeline);
            Assert.Equal(expected.Throughput, actual.Throughput);
            Assert.Equal(expected.StartDelay, actual.StartDelay);
        }
    }

    [Fact]
    public async Task The_json_report_is_readable_json_with_string_enums_and_compact_buckets()
    {
        using var stream = new MemoryStream();

        await JsonReport.WriteAsync(stream, SampleResults.Report(), Token);

        var json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("\"mode\": \"Open\"", json, StringComparison.Ordinal);
        Assert.Contains("\"machineName\":", json, StringComparison.Ordinal);
        Assert.Contains("\"throughputRatio\":", json, StringComparison.Ordinal);
        Assert.Matches("\"histogram\": \\[\\s*\\[\\s*[0-9.]+,\\s*[0-9]+\\s*\\]", json);
    }
}
