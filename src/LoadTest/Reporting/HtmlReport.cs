using System.Globalization;
using System.Text;
using System.Xml;
using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// The human-readable report: one self-contained HTML file (no script, no external file, viewable offline) with the
/// summary table, inline SVG charts — percentile spectrum, throughput, p99 and errors over time — the error details,
/// the parameters and the environment. The markup is also well-formed XML, and every text is escaped.
/// </summary>
internal static class HtmlReport
{
    /// <summary>Line colours, one per result in order (Tableau 10).</summary>
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    // No '<', '>' or '&' in here: the writer would escape them, and a style element's text is not unescaped.
    private const string Style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; max-width: 1120px; margin: 2rem auto; padding: 0 1rem; }
        h1 { font-size: 1.5rem; margin-bottom: .25rem; }
        h2 { font-size: 1.15rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
        h3 { font-size: 1rem; margin-bottom: .3rem; }
        .meta { color: #555; margin-top: 0; }
        .note { color: #555; font-size: .9rem; }
        .bad { color: #b00020; font-weight: 600; }
        table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid #ddd; padding: .25rem .55rem; text-align: right; white-space: nowrap; }
        th { background: #f4f4f6; font-weight: 600; }
        th.text, td.text { text-align: left; white-space: normal; }
        pre { background: #f4f4f6; padding: .5rem .75rem; white-space: pre-wrap; word-break: break-all; }
        td.target { border-left-width: 6px; }
        svg { display: block; max-width: 100%; height: auto; margin: .5rem 0 1rem; font: 12px system-ui, sans-serif; }
        svg text { fill: #444; }
        svg .chart-title { font-size: 14px; font-weight: 600; fill: #1d1d1f; }
        svg .axis-title { fill: #666; }
        svg .grid { stroke: #e6e6e6; stroke-width: 1; }
        svg .frame { fill: none; stroke: #999; }
        footer { margin-top: 3rem; color: #888; font-size: .85rem; }
        """;

    /// <summary>Writes the report of <paramref name="report"/> to <paramref name="path"/> (UTF-8), creating its directory.</summary>
    public static async Task WriteAsync(string path, RunReport report, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var html = Render(report);
        JsonReport.CreateDirectoryOf(path);
        await File.WriteAllTextAsync(path, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report of <paramref name="report"/> as an HTML document.</summary>
    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // The writer would put a space before the doctype's closing bracket; the HTML standard spells it without.
        var builder = new StringBuilder("<!DOCTYPE html>\n");
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        using (var writer = XmlWriter.Create(builder, settings))
        {
            writer.WriteStartElement("html");
            writer.WriteAttributeString("lang", "en");
            WriteHead(writer, report);
            writer.WriteStartElement("body");
            WriteBody(writer, report);
            writer.WriteFullEndElement();
            writer.WriteFullEndElement();
        }

        return builder.Append('\n').ToString();
    }

    /// <summary><paramref name="text"/> without the characters XML cannot carry (control characters, lone surrogates): each becomes U+FFFD.</summary>
    internal static string Clean(string text)
    {
        var builder = (StringBuilder?)null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c);
            if (XmlConvert.IsXmlChar(c) || pair)
            {
                builder?.Append(c);
                if (pair)
                {
                    builder?.Append(text[i + 1]);
                    i++;
                }
            }
            else
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                builder.Append('\uFFFD');
            }
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>The percentile spectrum of <paramref name="result"/>: (position on <see cref="ChartAxis.Percentiles"/>, latency µs) from p0 to p99.99.</summary>
    internal static List<(double X, double Y)> Spectrum(LoadResult result)
    {
        var points = new List<(double X, double Y)>();
        var buckets = result.Histogram;
        var total = buckets.Sum(bucket => bucket.Count);
        if (total == 0)
        {
            return points;
        }

        var max = result.Latency.GetValueOrDefault("max", double.MaxValue);
        var index = 0;
        var seen = buckets[0].Count;
        const int Steps = 200;
        for (var step = 0; step <= Steps; step++)
        {
            var position = 4.0 * step / Steps;
            var rank = Math.Clamp((long)Math.Ceiling((1 - Math.Pow(10, -position)) * total), 1, total);
            while (seen < rank && index < buckets.Count - 1)
            {
                seen += buckets[++index].Count;
            }

            points.Add((position, Math.Min(buckets[index].UpperMicros, max > 0 ? max : double.MaxValue)));
        }

        return points;
    }

    private static void WriteHead(XmlWriter writer, RunReport report)
    {
        writer.WriteStartElement("head");
        writer.WriteStartElement("meta");
        writer.WriteAttributeString("charset", "utf-8");
        writer.WriteEndElement();
        writer.WriteStartElement("meta");
        writer.WriteAttributeString("name", "viewport");
        writer.WriteAttributeString("content", "width=device-width, initial-scale=1");
        writer.WriteEndElement();
        Element(writer, "title", report.Title);
        Element(writer, "style", Style);
        writer.WriteFullEndElement();
    }

    private static void WriteBody(XmlWriter writer, RunReport report)
    {
        Element(writer, "h1", report.Title);
        Element(
            writer,
            "p",
            $"Started {report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC on {report.Environment.MachineName}"
                + $" · {report.Results.Count} result{(report.Results.Count == 1 ? "" : "s")}"
                + (report.Baseline is null ? "" : $" · baseline: {report.Baseline}"),
            "meta");
        Element(writer, "pre", report.CommandLine);

        Element(writer, "h2", "Summary");
        WriteSummary(writer, report);
        Element(
            writer,
            "p",
            "Latency is measured from each request's intended start in an open loop (queueing counts) and from its actual start in a closed loop. "
                + "Start delay: how late an open loop actually sent its requests (scheduler and thread pool); latency includes it, and when it is large the client was the bottleneck. "
                + "Throughput counts answered requests (correct or wrong); errors include open-loop arrivals refused for overload.",
            "note");

        if (report.Ratios.Count > 0)
        {
            Element(writer, "h2", "Ratios");
            WriteRatios(writer, report);
            Element(writer, "p", "Against the baseline measured in the same run: how many times lower or higher the latency is, and the throughput as a multiple of the baseline's.", "note");
        }

        var phases = Phases(report.Results);
        foreach (var phase in phases)
        {
            var heading = "h2";
            if (phases.Count > 1)
            {
                Element(writer, "h2", $"Phase: {PhaseLabel(phase)}");
                heading = "h3";
            }

            WriteCharts(writer, phase, heading);
        }

        if (report.Results.Any(result => result.Errors > 0 || result.Wrong > 0))
        {
            Element(writer, "h2", "Errors and wrong answers");
            WriteProblemDetails(writer, report);
        }

        Element(writer, "h2", "Parameters");
        WritePairs(writer, report.Parameters.Select(pair => (pair.Key, pair.Value)));

        Element(writer, "h2", "Environment");
        var environment = report.Environment;
        WritePairs(
            writer,
            [
                ("machine", environment.MachineName),
                ("processors", environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
                ("operating system", environment.OperatingSystem),
                ("runtime", environment.Runtime),
                ("architecture", environment.Architecture),
                ("garbage collector", environment.ServerGarbageCollector ? "server" : "workstation"),
                ("started (UTC)", report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                ("command line", report.CommandLine),
            ]);

        Element(writer, "footer", "Generated by perms-loadtest. Self-contained: no scripts, no external files.");
    }

    /// <summary>The charts of one phase: percentile spectrum, throughput, p99 and errors over time.</summary>
    private static void WriteCharts(XmlWriter writer, IReadOnlyList<LoadResult> results, string heading)
    {
        Element(writer, heading, "Latency by percentile");
        SvgChart.Write(
            writer,
            "Latency percentile spectrum",
            ChartAxis.Percentiles(),
            ChartAxis.Latency("latency (log scale)", results.SelectMany(result => Spectrum(result).Select(point => point.Y))),
            [.. results.Select((result, i) => new ChartSeries(result.Target, Color(i), Spectrum(result)))]);

        var seconds = results.Select(result => result.Timeline.Count).DefaultIfEmpty(1).Max();
        Element(writer, heading, "Throughput over time");
        var throughput = results.Select((result, i) => new ChartSeries(result.Target, Color(i), Rates(result))).ToList();
        SvgChart.Write(
            writer,
            "Answered requests per second",
            ChartAxis.Seconds(seconds),
            ChartAxis.Counts("requests/s", [.. throughput.Select(series => series.Points.Select(point => point.Y).DefaultIfEmpty(0).Max())], ReportFormat.RateTick),
            throughput);

        Element(writer, heading, "p99 over time");
        var p99 = results
            .Select((result, i) => new ChartSeries(result.Target, Color(i), [.. result.Timeline.Where(point => point.P99Micros > 0).Select(point => (point.Second + 0.5, point.P99Micros))]))
            .ToList();
        SvgChart.Write(
            writer,
            "99th percentile latency, second by second",
            ChartAxis.Seconds(seconds),
            ChartAxis.Latency("p99 (log scale)", p99.SelectMany(series => series.Points.Select(point => point.Y))),
            p99);

        Element(writer, heading, "Errors and wrong answers over time");
        WriteProblemsOverTime(writer, results, seconds);
    }

    /// <summary>
    /// The results grouped by load shape (mode, concurrency, duration, warm-up; not the open-loop rate), in order of
    /// first appearance: lines are only drawn against lines measured the same way.
    /// </summary>
    private static List<List<LoadResult>> Phases(IReadOnlyList<LoadResult> results) =>
        [.. results.GroupBy(result => (result.Options.Mode, result.Options.Concurrency, result.Options.Duration, result.Options.WarmUp)).Select(group => group.ToList())];

    /// <summary>The index of <paramref name="result"/> within its phase, which picks its colour in the table and the charts.</summary>
    private static int PhaseIndex(IReadOnlyList<LoadResult> results, LoadResult result) =>
        Phases(results).Select(phase => phase.FindIndex(candidate => ReferenceEquals(candidate, result))).First(index => index >= 0);

    private static string PhaseLabel(IReadOnlyList<LoadResult> phase)
    {
        var options = phase[0].Options;
        var rates = phase.Select(result => result.Options.Rate).Distinct().ToList();
        var shape = options.Mode == LoadMode.Open
            ? $"open loop{(rates.Count == 1 ? $" at {ReportFormat.Number(rates[0])}/s" : " at each target's rate")}, ≤{options.Concurrency.ToString(CultureInfo.InvariantCulture)} in flight"
            : $"closed loop, {options.Concurrency.ToString(CultureInfo.InvariantCulture)} worker{(options.Concurrency == 1 ? "" : "s")}";
        return $"{shape}, {ReportFormat.Seconds(options.Duration)} measured after {ReportFormat.Seconds(options.WarmUp)} of warm-up";
    }

    private static void WriteRatios(XmlWriter writer, RunReport report)
    {
        writer.WriteStartElement("table");
        writer.WriteStartElement("tr");
        Element(writer, "th", "target", "text");
        Element(writer, "th", "baseline", "text");
        Element(writer, "th", "p50");
        Element(writer, "th", "p99");
        Element(writer, "th", "throughput");
        writer.WriteFullEndElement();
        foreach (var ratio in report.Ratios)
        {
            writer.WriteStartElement("tr");
            Element(writer, "td", ratio.Target, "text");
            Element(writer, "td", ratio.Baseline, "text");
            Element(writer, "td", ReportFormat.LatencyRatio(ratio.P50Ratio));
            Element(writer, "td", ReportFormat.LatencyRatio(ratio.P99Ratio));
            Element(writer, "td", ReportFormat.ThroughputRatio(ratio.ThroughputRatio));
            writer.WriteFullEndElement();
        }

        writer.WriteFullEndElement();
    }

    private static void WriteSummary(XmlWriter writer, RunReport report)
    {
        var withRatios = report.Baseline is not null || report.Ratios.Count > 0;
        var baselines = report.Ratios.Select(ratio => ratio.Baseline).Append(report.Baseline).OfType<string>().ToHashSet(StringComparer.Ordinal);
        writer.WriteStartElement("table");
        writer.WriteStartElement("thead");
        writer.WriteStartElement("tr");
        Element(writer, "th", "target", "text");
        Element(writer, "th", "mode", "text");
        foreach (var heading in new[] { "measured", "warm-up", "requests", "throughput/s", "p50", "p90", "p99", "p99.9", "max", "mean", "start delay p99", "errors", "wrong" })
        {
            Element(writer, "th", heading);
        }

        if (withRatios)
        {
            Element(writer, "th", "p50 vs baseline");
            Element(writer, "th", "p99 vs baseline");
            Element(writer, "th", "throughput vs baseline");
        }

        writer.WriteFullEndElement();
        writer.WriteFullEndElement();
        writer.WriteStartElement("tbody");
        for (var i = 0; i < report.Results.Count; i++)
        {
            var result = report.Results[i];
            writer.WriteStartElement("tr");
            writer.WriteStartElement("td");
            writer.WriteAttributeString("class", "text target");
            writer.WriteAttributeString("style", $"border-left-color: {Color(PhaseIndex(report.Results, result))}");
            writer.WriteString(Clean(result.Target));
            writer.WriteFullEndElement();
            Element(writer, "td", ReportFormat.Mode(result.Options), "text");
            Element(writer, "td", ReportFormat.Seconds(result.Elapsed));
            Element(writer, "td", ReportFormat.Seconds(result.Options.WarmUp));
            Element(writer, "td", ReportFormat.Number(ReportFormat.Requests(result)));
            Element(writer, "td", ReportFormat.Number(result.Throughput));
            foreach (var key in new[] { "p50", "p90", "p99", "p99.9", "max", "mean" })
            {
                Element(writer, "td", ReportFormat.Latency(ReportFormat.Percentile(result, key)));
            }

            Element(writer, "td", result.StartDelay is null ? "–" : ReportFormat.Latency(result.StartDelay.GetValueOrDefault("p99")), ReportFormat.ClientLagged(result) ? "bad" : null);

            Element(writer, "td", ReportFormat.Number(result.Errors), result.Errors > 0 ? "bad" : null);
            Element(writer, "td", ReportFormat.Number(result.Wrong), result.Wrong > 0 ? "bad" : null);
            if (withRatios)
            {
                var ratio = report.Ratios.FirstOrDefault(candidate => candidate.Target == result.Target);
                if (ratio is null)
                {
                    var label = baselines.Contains(result.Target) ? "baseline" : "–";
                    Element(writer, "td", label);
                    Element(writer, "td", label);
                    Element(writer, "td", label);
                }
                else
                {
                    Element(writer, "td", ReportFormat.LatencyRatio(ratio.P50Ratio));
                    Element(writer, "td", ReportFormat.LatencyRatio(ratio.P99Ratio));
                    Element(writer, "td", ReportFormat.ThroughputRatio(ratio.ThroughputRatio));
                }
            }

            writer.WriteFullEndElement();
        }

        writer.WriteFullEndElement();
        writer.WriteFullEndElement();
    }

    private static void WriteProblemsOverTime(XmlWriter writer, IReadOnlyList<LoadResult> results, int seconds)
    {
        var series = new List<ChartSeries>();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            if (result.Timeline.Any(point => point.Errors > 0))
            {
                series.Add(new ChartSeries($"{result.Target} — errors", Color(i), [.. result.Timeline.Select(point => (point.Second + 0.5, (double)point.Errors))]));
            }

            if (result.Timeline.Any(point => point.Wrong > 0))
            {
                series.Add(new ChartSeries($"{result.Target} — wrong", Color(i), [.. result.Timeline.Select(point => (point.Second + 0.5, (double)point.Wrong))], Dashed: true));
            }
        }

        if (series.Count == 0)
        {
            Element(writer, "p", "No errors and no wrong answers.", "note");
            return;
        }

        SvgChart.Write(
            writer,
            "Errors (solid) and wrong answers (dashed) per second",
            ChartAxis.Seconds(seconds),
            ChartAxis.Counts("per second", [.. series.Select(line => line.Points.Max(point => point.Y))], ReportFormat.Number),
            series);
    }

    private static void WriteProblemDetails(XmlWriter writer, RunReport report)
    {
        foreach (var result in report.Results.Where(result => result.Errors > 0 || result.Wrong > 0))
        {
            Element(writer, "h3", result.Target);
            if (result.ErrorsByDetail.Count > 0)
            {
                writer.WriteStartElement("table");
                writer.WriteStartElement("tr");
                Element(writer, "th", "error", "text");
                Element(writer, "th", "count");
                writer.WriteFullEndElement();
                foreach (var (detail, count) in result.ErrorsByDetail.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteStartElement("tr");
                    Element(writer, "td", detail, "text");
                    Element(writer, "td", ReportFormat.Number(count));
                    writer.WriteFullEndElement();
                }

                writer.WriteFullEndElement();
            }

            if (result.Wrong > 0)
            {
                Element(writer, "p", $"{ReportFormat.Number(result.Wrong)} wrong answer{(result.Wrong == 1 ? "" : "s")}; the first {result.WrongExamples.Count}:", "bad");
                writer.WriteStartElement("ul");
                foreach (var example in result.WrongExamples)
                {
                    Element(writer, "li", example);
                }

                writer.WriteFullEndElement();
            }
        }
    }

    private static void WritePairs(XmlWriter writer, IEnumerable<(string Name, string Value)> pairs)
    {
        writer.WriteStartElement("table");
        var any = false;
        foreach (var (name, value) in pairs)
        {
            any = true;
            writer.WriteStartElement("tr");
            Element(writer, "th", name, "text");
            Element(writer, "td", value, "text");
            writer.WriteFullEndElement();
        }

        if (!any)
        {
            writer.WriteStartElement("tr");
            Element(writer, "td", "none", "text");
            writer.WriteFullEndElement();
        }

        writer.WriteFullEndElement();
    }

    /// <summary>Answered requests per second of each timeline second (the last may be partial, or also hold the drain).</summary>
    private static List<(double X, double Y)> Rates(LoadResult result) =>
        [.. result.Timeline.Select(point => (point.Second + 0.5, point.Completed / Math.Clamp(result.Elapsed.TotalSeconds - point.Second, 0.001, 1)))];

    private static string Color(int index) => Palette[index % Palette.Length];

    /// <summary>Writes an HTML element holding escaped <paramref name="text"/> (never self-closed: HTML would not close it).</summary>
    private static void Element(XmlWriter writer, string name, string text, string? cssClass = null)
    {
        writer.WriteStartElement(name);
        if (cssClass is not null)
        {
            writer.WriteAttributeString("class", cssClass);
        }

        writer.WriteString(Clean(text));
        writer.WriteFullEndElement();
    }
}
