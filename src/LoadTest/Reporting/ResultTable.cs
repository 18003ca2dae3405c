using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>The results as a markdown table, ready for docs/benchmarks.md, with error details and wrong answers below it.</summary>
internal static class ResultTable
{
    private static readonly string[] LatencyKeys = ["p50", "p90", "p99", "p99.9", "max"];

    /// <summary>
    /// Writes one row per result: target, mode, requests, throughput/s, p50, p90, p99, p99.9, max, errors, wrong — and,
    /// with a <paramref name="baseline"/> (usually one of <paramref name="results"/>, whose row then says
    /// <c>baseline</c>), the p50 and the throughput against it. Below the table: errors by label, examples of wrong
    /// answers, and a warning for an open loop whose client sent requests late.
    /// </summary>
    public static void Write(TextWriter writer, IReadOnlyList<LoadResult> results, LoadResult? baseline)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(results);
        var header = "| target | mode | requests | throughput/s | p50 | p90 | p99 | p99.9 | max | errors | wrong |";
        var rule = "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
        if (baseline is not null)
        {
            header += " p50 vs baseline | throughput vs baseline |";
            rule += " ---: | ---: |";
        }

        writer.WriteLine(header);
        writer.WriteLine(rule);
        foreach (var result in results)
        {
            var cells = new List<string>
            {
                Cell(result.Target),
                ReportFormat.Mode(result.Options),
                ReportFormat.Number(ReportFormat.Requests(result)),
                ReportFormat.Number(result.Throughput),
            };
            cells.AddRange(LatencyKeys.Select(key => ReportFormat.Latency(ReportFormat.Percentile(result, key))));
            cells.Add(ReportFormat.Number(result.Errors));
            cells.Add(result.Wrong > 0 ? $"**{ReportFormat.Number(result.Wrong)}**" : "0");
            if (baseline is not null)
            {
                if (ReferenceEquals(result, baseline))
                {
                    cells.Add("baseline");
                    cells.Add("baseline");
                }
                else
                {
                    var ratio = ResultRatio.Compute(result, baseline);
                    cells.Add(ReportFormat.LatencyRatio(ratio.P50Ratio));
                    cells.Add(ReportFormat.ThroughputRatio(ratio.ThroughputRatio));
                }
            }

            writer.WriteLine($"| {string.Join(" | ", cells)} |");
        }

        var notes = results.Where(result => result.Errors > 0 || result.Wrong > 0 || ReportFormat.ClientLagged(result)).ToList();
        if (notes.Count > 0)
        {
            writer.WriteLine();
        }

        foreach (var result in notes)
        {
            var parts = new List<string>();
            if (result.Errors > 0)
            {
                parts.Add($"errors: {ReportFormat.ErrorSummary(result)}");
            }

            if (result.Wrong > 0)
            {
                parts.Add($"wrong: {ReportFormat.Number(result.Wrong)}, e.g. {string.Join("; ", result.WrongExamples.Take(3))}");
            }

            if (ReportFormat.ClientLagged(result) && result.StartDelay is { } delay)
            {
                parts.Add(
                    $"the client sent requests late (start delay p99 {ReportFormat.Latency(delay.GetValueOrDefault("p99"))}, max {ReportFormat.Latency(delay.GetValueOrDefault("max"))}),"
                        + " which the latencies include: the client, not the target, may be the bottleneck");
            }

            writer.WriteLine($"- {Cell(result.Target)}: {Cell(string.Join(" — ", parts))}");
        }
    }

    /// <summary>Text that cannot break the table nor turn into markup: pipes and angle brackets escaped, line breaks as spaces.</summary>
    private static string Cell(string text) => text
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "\\<", StringComparison.Ordinal)
        .Replace('\n', ' ')
        .Replace('\r', ' ');
}
