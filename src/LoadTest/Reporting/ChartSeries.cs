namespace Perms.LoadTest.Reporting;

/// <summary>One line of a chart.</summary>
/// <param name="Name">The legend text.</param>
/// <param name="Color">A CSS colour (<c>#1f77b4</c>).</param>
/// <param name="Points">The points in data units, in x order.</param>
/// <param name="Dashed">Draw the line dashed (a second line of the same target).</param>
internal sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);
