using System.Globalization;
using System.Text.Json;

namespace Perms.LoadTest.Generation;

/// <summary>
/// What <c>generate</c> made, written beside it (<c>perms-dataset.json</c>): the spec that recomputes every row, where
/// the rows are (layout preset and schema), and the policy the silo under test runs with. <c>run</c> and
/// <c>compare</c> rebuild the ground truth from it.
/// </summary>
/// <param name="Spec">The dataset's numbers and seed.</param>
/// <param name="Layout">The table layout preset (<c>better-auth-default</c>, <c>plural-snake</c>, <c>use-plural</c>).</param>
/// <param name="Schema">The PostgreSQL schema holding the tables.</param>
/// <param name="PolicyPath">The policy file (absolute) the silo under test runs with and the oracle reads.</param>
/// <param name="GeneratedAt">When generation finished.</param>
/// <param name="GenerationTime">How long generation took.</param>
internal sealed record DatasetManifest(DatasetSpec Spec, string Layout, string Schema, string PolicyPath, DateTimeOffset GeneratedAt, TimeSpan GenerationTime)
{
    /// <summary>The manifest's file name when none is given.</summary>
    public const string DefaultFileName = "perms-dataset.json";

    private const int FormatVersion = 1;

    /// <summary>Writes the manifest as indented JSON.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", FormatVersion);
            json.WriteString("generator", "perms-loadtest generate");
            json.WriteStartObject("spec");
            json.WriteNumber("users", Spec.Users);
            json.WriteNumber("organizations", Spec.Organizations);
            json.WriteNumber("memberships", Spec.Memberships);
            json.WriteNumber("seed", Spec.Seed);
            json.WriteNumber("zipfExponent", Spec.ZipfExponent);
            json.WriteEndObject();
            json.WriteString("layout", Layout);
            json.WriteString("schema", Schema);
            json.WriteString("policy", PolicyPath);
            json.WriteString("generatedAt", GeneratedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber("generationSeconds", Math.Round(GenerationTime.TotalSeconds, 3));
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        await File.WriteAllBytesAsync(path, stream.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a manifest; every problem goes to <paramref name="problems"/> naming the file and the field. Null when there is any.</summary>
    public static DatasetManifest? Read(string path, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"--manifest {path}: cannot be read ({e.Message}); run `perms-loadtest generate` first, it writes {DefaultFileName}");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            problems.Add($"--manifest {path}: not JSON ({e.Message})");
            return null;
        }

        using (document)
        {
            var before = problems.Count;
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"--manifest {path}: expected a JSON object");
                return null;
            }

            if (TryGet(root, "format", JsonValueKind.Number, path, problems, out var format) && !(format.TryGetInt32(out var version) && version == FormatVersion))
            {
                problems.Add($"--manifest {path}: format {format} is not {FormatVersion}; regenerate the dataset with this perms-loadtest");
            }

            DatasetSpec? spec = null;
            if (TryGet(root, "spec", JsonValueKind.Object, path, problems, out var specElement))
            {
                long Number(string name) => TryGet(specElement, name, JsonValueKind.Number, path, problems, out var value) && value.TryGetInt64(out var number) ? number : -1;
                var users = Number("users");
                var organizations = Number("organizations");
                var memberships = Number("memberships");
                var seed = Number("seed");
                var zipf = TryGet(specElement, "zipfExponent", JsonValueKind.Number, path, problems, out var z) && z.TryGetDouble(out var exponent) ? exponent : double.NaN;
                if (users is < 0 or > int.MaxValue || organizations is < 0 or > int.MaxValue || seed is < int.MinValue or > int.MaxValue)
                {
                    problems.Add($"--manifest {path}: spec.users, spec.organizations and spec.seed must be 32-bit numbers");
                }
                else if (problems.Count == before)
                {
                    spec = new DatasetSpec((int)users, (int)organizations, memberships, (int)seed, zipf);
                    problems.AddRange(spec.Validate().Select(p => $"--manifest {path}: spec: {p.Replace("--", "", StringComparison.Ordinal)}"));
                }
            }

            var layout = TryGet(root, "layout", JsonValueKind.String, path, problems, out var l) ? l.GetString()! : "";
            var schema = TryGet(root, "schema", JsonValueKind.String, path, problems, out var s) ? s.GetString()! : "";
            var policy = TryGet(root, "policy", JsonValueKind.String, path, problems, out var p) ? p.GetString()! : "";
            var generatedAt = TryGet(root, "generatedAt", JsonValueKind.String, path, problems, out var g)
                && DateTimeOffset.TryParse(g.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : default;
            var seconds = root.TryGetProperty("generationSeconds", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var total) ? total : 0;
            if (policy.Length > 0 && !Path.IsPathRooted(policy))
            {
                // A relative policy path is relative to the manifest, so a dataset directory can be moved as a whole.
                policy = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, policy));
            }

            return problems.Count == before && spec is not null
                ? new DatasetManifest(spec, layout, schema, policy, generatedAt, TimeSpan.FromSeconds(seconds))
                : null;
        }
    }

    private static bool TryGet(JsonElement element, string name, JsonValueKind kind, string path, List<string> problems, out JsonElement value)
    {
        if (element.TryGetProperty(name, out value) && value.ValueKind == kind)
        {
            return true;
        }

        problems.Add($"--manifest {path}: {name} is missing or not a {kind.ToString().ToLowerInvariant()}");
        return false;
    }
}
