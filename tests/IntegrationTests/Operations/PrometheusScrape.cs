using System.Net;
using System.Text.Json;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// Scrapes a process's /metrics over HTTP/1.1 and parses the text with a real Prometheus text-format parser
/// (parse-prometheus-text-format from npm, tests/js/parse-metrics.mjs): families by name, as the parser gives them
/// (<c>type</c> COUNTER/GAUGE/HISTOGRAM, <c>metrics</c> with <c>labels</c>, <c>value</c>, or <c>buckets</c>/<c>count</c>/<c>sum</c>).
/// </summary>
internal static class PrometheusScrape
{
    public static async Task<string> TextAsync(Uri metrics, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync(metrics, cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public static async Task<Dictionary<string, JsonElement>> ParseAsync(string text)
    {
        var json = await Node.RunAsync(Path.Combine(TestEnvironment.RepositoryRoot, "tests", "js"), ["parse-metrics.mjs"], text);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }

    /// <summary>Scrapes until <paramref name="ready"/> holds for the raw text (what the process records arrives asynchronously), then parses.</summary>
    public static async Task<Dictionary<string, JsonElement>> WhenAsync(Uri metrics, Func<string, bool> ready, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var text = await TextAsync(metrics, cancellationToken);
            if (ready(text))
            {
                return await ParseAsync(text);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{metrics} never showed {what}. Last scrape:\n{text}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The family <paramref name="name"/>, asserting its type.</summary>
    public static JsonElement Family(Dictionary<string, JsonElement> families, string name, string type)
    {
        Assert.True(families.TryGetValue(name, out var family), $"no family {name}; families: {string.Join(", ", families.Keys.Order(StringComparer.Ordinal))}");
        Assert.Equal(type, family.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(family.GetProperty("help").GetString()), $"{name} has no HELP");
        return family;
    }

    /// <summary>The series of <paramref name="family"/> whose labels include <paramref name="labels"/>.</summary>
    public static List<JsonElement> Series(JsonElement family, params (string Name, string Value)[] labels) =>
        [.. family.GetProperty("metrics").EnumerateArray().Where(m => labels.All(l => Label(m, l.Name) == l.Value))];

    /// <summary>The one series of <paramref name="family"/> whose labels include <paramref name="labels"/>; fails showing the family.</summary>
    public static JsonElement One(JsonElement family, params (string Name, string Value)[] labels)
    {
        var series = Series(family, labels);
        Assert.True(series.Count == 1, $"{series.Count} series with {string.Join(", ", labels.Select(l => $"{l.Name}={l.Value}"))} in {family}");
        return series[0];
    }

    public static string? Label(JsonElement series, string name) =>
        series.TryGetProperty("labels", out var labels) && labels.TryGetProperty(name, out var value) ? value.GetString() : null;

    public static double Value(JsonElement series) =>
        double.Parse(series.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
