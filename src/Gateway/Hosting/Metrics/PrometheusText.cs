using System.Globalization;
using System.Text;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// Prometheus text exposition format 0.0.4: names, label escaping, numbers, and the families of
/// <see cref="PrometheusExporter"/>.
/// </summary>
/// <remarks>
/// Instrument names become metric names by replacing every character outside <c>[a-zA-Z0-9_:]</c> (dots, dashes) with
/// <c>_</c>, then appending the unit (<c>ms</c> → <c>_milliseconds</c>, <c>s</c> → <c>_seconds</c>, <c>By</c> →
/// <c>_bytes</c>, unless the name already ends so) and, for counters, <c>_total</c>. Tag names become label names the
/// same way (without <c>:</c>). Label values escape <c>\</c>, <c>"</c> and newlines; HELP text escapes <c>\</c> and
/// newlines.
/// </remarks>
public static class PrometheusText
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>A metric name: characters outside <c>[a-zA-Z0-9_:]</c> become <c>_</c>; a leading digit gets a <c>_</c> before it.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A label name: characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>; a leading digit gets a <c>_</c> before it.</summary>
    public static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>The exported name of an instrument: sanitised, with its unit's suffix, and <c>_total</c> for a counter.</summary>
    public static string MetricName(string instrumentName, string? unit, bool isCounter)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = SanitizeMetricName(instrumentName);
        var suffix = unit switch
        {
            "ms" => "_milliseconds",
            "s" => "_seconds",
            "By" => "_bytes",
            _ => null,
        };
        if (suffix is not null && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>A label value between double quotes: <c>\</c> → <c>\\</c>, <c>"</c> → <c>\"</c>, newline → <c>\n</c>.</summary>
    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny('\\', '"', '\n') < 0
            ? value
            : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text: <c>\</c> → <c>\\</c>, newline → <c>\n</c>.</summary>
    public static string EscapeHelp(string help)
    {
        ArgumentNullException.ThrowIfNull(help);
        return help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>A sample value: <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>, or the shortest invariant representation that round-trips.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>A bucket bound for <c>le</c>: plain decimal notation (0.00005, not 5E-05).</summary>
    public static string FormatBound(double bound) =>
        double.IsPositiveInfinity(bound) ? "+Inf" : ((decimal)bound).ToString(CultureInfo.InvariantCulture);

    /// <summary>A tag value as a label value (before escaping): strings as they are, booleans lower-case, numbers invariant.</summary>
    public static string LabelValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Writes one family: HELP, TYPE, and its samples sorted by labels; nothing when it has no series.</summary>
    internal static void WriteFamily(StringBuilder output, MetricStream stream)
    {
        var points = stream.Snapshot();
        if (points.Count == 0)
        {
            return;
        }

        var isCounter = stream.Kind is MetricKind.Counter or MetricKind.ObservableCounter;
        var name = MetricName(stream.Name, stream.Unit, isCounter);
        var type = stream.Kind switch
        {
            MetricKind.Counter or MetricKind.ObservableCounter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        };
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(stream.Description ?? stream.Name)).Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        var labelled = points.Select(p => (Labels: Labels(p.Tags), Point: p)).OrderBy(p => p.Labels, StringComparer.Ordinal);
        foreach (var (labels, point) in labelled)
        {
            if (stream.Kind == MetricKind.Histogram)
            {
                WriteHistogram(output, name, labels, point, stream.Bounds);
            }
            else
            {
                WriteSample(output, name, labels, null, FormatValue(point.Value));
            }
        }
    }

    private static void WriteHistogram(StringBuilder output, string name, string labels, MetricPoint point, ReadOnlySpan<double> bounds)
    {
        var cumulative = point.CumulativeBuckets();
        var bucket = name + "_bucket";
        for (var i = 0; i < bounds.Length; i++)
        {
            WriteSample(output, bucket, labels, FormatBound(bounds[i]), cumulative[i].ToString(CultureInfo.InvariantCulture));
        }

        var count = cumulative[^1].ToString(CultureInfo.InvariantCulture);
        WriteSample(output, bucket, labels, "+Inf", count);
        WriteSample(output, name + "_sum", labels, null, FormatValue(point.Sum));
        WriteSample(output, name + "_count", labels, null, count);
    }

    private static void WriteSample(StringBuilder output, string name, string labels, string? le, string value)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{').Append(labels);
            if (le is not null)
            {
                output.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(value).Append('\n');
    }

    private static string Labels(TagSet tags)
    {
        if (tags.Tags.Length == 0)
        {
            return string.Empty;
        }

        var labels = new StringBuilder();
        foreach (var tag in tags.Tags)
        {
            if (labels.Length > 0)
            {
                labels.Append(',');
            }

            labels.Append(SanitizeLabelName(tag.Key)).Append("=\"").Append(EscapeLabelValue(LabelValue(tag.Value))).Append('"');
        }

        return labels.ToString();
    }

    private static string Sanitize(string name, bool allowColon)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "_";
        }

        var result = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            result.Append('_');
        }

        foreach (var c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return result.ToString();
    }
}
