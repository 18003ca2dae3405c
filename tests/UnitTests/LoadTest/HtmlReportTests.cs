using System.Xml;
using System.Xml.Linq;
using Perms.LoadTest.Reporting;

namespace Perms.UnitTests.LoadTest;

public sealed class HtmlReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_html_report_is_well_formed_self_contained_and_escapes_every_text()
    {
        var path = Path.Combine(Path.GetTempPath(), $"perms-loadtest-{Guid.NewGuid():N}", "report.html");
        try
        {
            await HtmlReport.WriteAsync(path, SampleResults.Report("<script>alert('x')</script> & co", SampleResults.Closed), Token);

            var html = await File.ReadAllTextAsync(path, Token);
            var document = Parse(html);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Equal("html", document.Root!.Name.LocalName);
            Assert.DoesNotContain(document.Descendants(), element => element.Name.LocalName is "script" or "link" or "img" or "iframe");
            Assert.DoesNotContain(document.Descendants().Attributes(), attribute => attribute.Name.LocalName is "src" or "href");
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; co", html, StringComparison.Ordinal);
            Assert.Contains(document.Descendants("td"), cell => cell.Value == "<script>alert('x')</script> & co");

            var charts = document.Descendants(Svg + "svg").ToList();
            Assert.Equal(4, charts.Count);
            Assert.Equal(
                ["Latency percentile spectrum", "Answered requests per second", "99th percentile latency, second by second", "Errors (solid) and wrong answers (dashed) per second"],
                charts.Select(chart => chart.Element(Svg + "title")!.Value));
            Assert.All(charts.Take(3), chart => Assert.Equal(2, chart.Elements(Svg + "polyline").Count()));
            Assert.Contains(document.Descendants("th"), cell => cell.Value == "processors");
            Assert.Contains(document.Descendants("td"), cell => cell.Value == "1000 users / 100 orgs");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Results_measured_differently_get_charts_of_their_own_and_every_ratio_is_listed()
    {
        var document = Parse(HtmlReport.Render(SampleResults.Report()));

        Assert.Equal(
            ["Phase: open loop at 1,000/s, ≤64 in flight, 3 s measured after 1 s of warm-up", "Phase: closed loop, 16 workers, 3 s measured after 1 s of warm-up"],
            document.Descendants("h2").Select(heading => heading.Value).Where(heading => heading.StartsWith("Phase:", StringComparison.Ordinal)));
        Assert.Equal(4 + 3, document.Descendants(Svg + "svg").Count());
        Assert.All(document.Descendants(Svg + "svg").Take(3), chart => Assert.Single(chart.Elements(Svg + "polyline")));
        var ratioRow = document.Descendants("h2").Single(heading => heading.Value == "Ratios").ElementsAfterSelf("table").First().Elements("tr").Last();
        Assert.Equal(["perms CheckPermission (warm)", "better-auth hasPermission (HTTP)"], ratioRow.Elements("td").Take(2).Select(cell => cell.Value));
        Assert.EndsWith("× lower", ratioRow.Elements("td").ElementAt(2).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_report_of_a_clean_run_says_so_instead_of_drawing_an_empty_error_chart()
    {
        var clean = SampleResults.Create("clean", 100, 100, 2, SampleResults.Closed);

        var document = Parse(HtmlReport.Render(RunReport.Create("clean run", DateTimeOffset.UtcNow, new Dictionary<string, string>(), [clean])));

        Assert.Equal(3, document.Descendants(Svg + "svg").Count());
        Assert.Contains(document.Descendants("p"), paragraph => paragraph.Value == "No errors and no wrong answers.");
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_replaced_rather_than_breaking_the_report()
    {
        var odd = SampleResults.Create("nul\0 and lone \ud800 surrogate, emoji 😀", 100, 10, 1, SampleResults.Closed);

        var document = Parse(HtmlReport.Render(RunReport.Create("odd", DateTimeOffset.UtcNow, new Dictionary<string, string>(), [odd])));

        Assert.Contains(document.Descendants("td"), cell => cell.Value == "nul\uFFFD and lone \uFFFD surrogate, emoji 😀");
    }

    [Fact]
    public void The_percentile_spectrum_runs_from_p0_to_p99_99_and_never_falls()
    {
        var result = SampleResults.Create("spectrum", 100, 1000, 2, SampleResults.Closed);

        var spectrum = HtmlReport.Spectrum(result);

        Assert.Equal(0, spectrum[0].X);
        Assert.Equal(4, spectrum[^1].X, 9);
        Assert.All(spectrum.Zip(spectrum.Skip(1)), pair => Assert.True(pair.Second.Y >= pair.First.Y));
        Assert.InRange(spectrum[^1].Y, result.Latency["p99.9"], result.Latency["max"]);
    }

    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }
}
