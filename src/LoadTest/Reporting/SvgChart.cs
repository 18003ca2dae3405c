using System.Globalization;
using System.Xml;

namespace Perms.LoadTest.Reporting;

/// <summary>Draws a line chart as inline SVG: grid, labelled axes, one polyline per series, a legend below.</summary>
internal static class SvgChart
{
    /// <summary>The SVG namespace.</summary>
    public const string Namespace = "http://www.w3.org/2000/svg";

    private const double Width = 760;
    private const double Left = 76;
    private const double Right = Width - 24;
    private const double Top = 36;
    private const double Bottom = 296;
    private const double LegendTop = Bottom + 58;
    private const double LegendRow = 18;

    // Markers make short timelines (a point or two per line) visible; longer lines do without.
    private const int MarkerLimit = 30;

    /// <summary>Writes the chart as an <c>svg</c> element (in the SVG namespace) at the writer's position.</summary>
    public static void Write(XmlWriter writer, string title, ChartAxis x, ChartAxis y, IReadOnlyList<ChartSeries> series)
    {
        var height = LegendTop + (series.Count * LegendRow);
        writer.WriteStartElement("svg", Namespace);
        Attributes(writer, ("viewBox", $"0 0 {N(Width)} {N(height)}"), ("width", N(Width)), ("height", N(height)), ("role", "img"), ("aria-label", title));
        Element(writer, "title", title);
        Text(writer, title, Width / 2, 20, "middle", "chart-title");

        foreach (var (value, label) in y.Ticks)
        {
            var position = Y(y, value);
            Line(writer, Left, position, Right, position, "grid");
            Text(writer, label, Left - 6, position + 4, "end");
        }

        foreach (var (value, label) in x.Ticks)
        {
            var position = X(x, value);
            Line(writer, position, Top, position, Bottom, "grid");
            Text(writer, label, position, Bottom + 16, "middle");
        }

        writer.WriteStartElement("rect", Namespace);
        Attributes(writer, ("class", "frame"), ("x", N(Left)), ("y", N(Top)), ("width", N(Right - Left)), ("height", N(Bottom - Top)));
        writer.WriteEndElement();
        Text(writer, x.Title, (Left + Right) / 2, Bottom + 36, "middle", "axis-title");
        writer.WriteStartElement("text", Namespace);
        Attributes(writer, ("x", "16"), ("y", N((Top + Bottom) / 2)), ("text-anchor", "middle"), ("class", "axis-title"), ("transform", $"rotate(-90 16 {N((Top + Bottom) / 2)})"));
        writer.WriteString(HtmlReport.Clean(y.Title));
        writer.WriteEndElement();

        for (var i = 0; i < series.Count; i++)
        {
            WriteSeries(writer, x, y, series[i]);
            var legendY = LegendTop + (i * LegendRow) - 6;
            writer.WriteStartElement("line", Namespace);
            Attributes(writer, ("x1", N(Left)), ("y1", N(legendY)), ("x2", N(Left + 28)), ("y2", N(legendY)), ("stroke", series[i].Color), ("stroke-width", "2.5"));
            if (series[i].Dashed)
            {
                writer.WriteAttributeString("stroke-dasharray", "5 3");
            }

            writer.WriteEndElement();
            Text(writer, series[i].Name, Left + 36, legendY + 4, "start");
        }

        writer.WriteEndElement();
    }

    private static void WriteSeries(XmlWriter writer, ChartAxis x, ChartAxis y, ChartSeries series)
    {
        if (series.Points.Count == 0)
        {
            return;
        }

        var points = string.Join(' ', series.Points.Select(point => $"{N(X(x, point.X))},{N(Y(y, point.Y))}"));
        writer.WriteStartElement("polyline", Namespace);
        Attributes(writer, ("points", points), ("fill", "none"), ("stroke", series.Color), ("stroke-width", "1.8"), ("stroke-linejoin", "round"));
        if (series.Dashed)
        {
            writer.WriteAttributeString("stroke-dasharray", "5 3");
        }

        Element(writer, "title", series.Name);
        writer.WriteEndElement();
        if (series.Points.Count <= MarkerLimit)
        {
            foreach (var (pointX, pointY) in series.Points)
            {
                writer.WriteStartElement("circle", Namespace);
                Attributes(writer, ("cx", N(X(x, pointX))), ("cy", N(Y(y, pointY))), ("r", "2.5"), ("fill", series.Color));
                writer.WriteEndElement();
            }
        }
    }

    private static double X(ChartAxis axis, double value) => Left + (axis.Position(value) * (Right - Left));

    private static double Y(ChartAxis axis, double value) => Bottom - (axis.Position(value) * (Bottom - Top));

    private static void Line(XmlWriter writer, double x1, double y1, double x2, double y2, string cssClass)
    {
        writer.WriteStartElement("line", Namespace);
        Attributes(writer, ("class", cssClass), ("x1", N(x1)), ("y1", N(y1)), ("x2", N(x2)), ("y2", N(y2)));
        writer.WriteEndElement();
    }

    private static void Text(XmlWriter writer, string text, double x, double y, string anchor, string? cssClass = null)
    {
        writer.WriteStartElement("text", Namespace);
        Attributes(writer, ("x", N(x)), ("y", N(y)), ("text-anchor", anchor));
        if (cssClass is not null)
        {
            writer.WriteAttributeString("class", cssClass);
        }

        writer.WriteString(HtmlReport.Clean(text));
        writer.WriteEndElement();
    }

    private static void Element(XmlWriter writer, string name, string text)
    {
        writer.WriteStartElement(name, Namespace);
        writer.WriteString(HtmlReport.Clean(text));
        writer.WriteEndElement();
    }

    private static void Attributes(XmlWriter writer, params ReadOnlySpan<(string Name, string Value)> attributes)
    {
        foreach (var (name, value) in attributes)
        {
            writer.WriteAttributeString(name, HtmlReport.Clean(value));
        }
    }

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
