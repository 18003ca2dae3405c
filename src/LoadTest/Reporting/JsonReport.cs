using System.Text.Json;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// The machine-readable report: a <see cref="RunReport"/> as indented JSON (camelCase; durations as
/// <c>hh:mm:ss.fffffff</c>; histogram buckets as <c>[upperMicros, count]</c>), to keep next to docs/benchmarks.md and to
/// compare runs later.
/// </summary>
internal static class JsonReport
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="stream"/> (left open).</summary>
    public static Task WriteAsync(Stream stream, RunReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.SerializeAsync(stream, report, ReportJsonContext.Default.RunReport, cancellationToken);
    }

    /// <summary>Writes <paramref name="report"/> to the file <paramref name="path"/>, creating its directory and replacing the file.</summary>
    public static async Task WriteAsync(string path, RunReport report, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CreateDirectoryOf(path);
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            await WriteAsync(stream, report, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a report written by <see cref="WriteAsync(Stream, RunReport, CancellationToken)"/>.</summary>
    /// <exception cref="JsonException">The stream holds no report.</exception>
    public static async Task<RunReport> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return await JsonSerializer.DeserializeAsync(stream, ReportJsonContext.Default.RunReport, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("the JSON is null, not a run report");
    }

    /// <summary>Creates the directory <paramref name="path"/> goes in, if it has one.</summary>
    internal static void CreateDirectoryOf(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
