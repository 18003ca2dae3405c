using System.Globalization;
using Perms.Grains.Interfaces.Data;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Running;
using Perms.LoadTest.Scenarios;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Commands;

/// <summary>The options of <c>perms-loadtest run</c>, parsed and validated (every problem at once, each naming its option).</summary>
internal sealed record RunSettings
{
    private const int MaxConcurrency = 100_000;
    private const int MaxConnections = 1_024;
    private const int MaxCases = 10_000_000;

    /// <summary>The silo's address.</summary>
    public required Uri Address { get; init; }

    /// <summary>The caller token.</summary>
    public required string Token { get; init; }

    /// <summary>The dataset manifest's path.</summary>
    public required string ManifestPath { get; init; }

    /// <summary>The dataset manifest.</summary>
    public required DatasetManifest Manifest { get; init; }

    /// <summary>The policy (the manifest's, or <c>--policy</c>).</summary>
    public required PermissionOracle Oracle { get; init; }

    /// <summary>The tables' layout (from the manifest).</summary>
    public required TableLayout Layout { get; init; }

    /// <summary>The scenario.</summary>
    public required RunScenario Scenario { get; init; }

    /// <summary>The load phase.</summary>
    public required LoadOptions Load { get; init; }

    /// <summary>gRPC channels.</summary>
    public required int Connections { get; init; }

    /// <summary>Checks per CheckPermissions (batch).</summary>
    public required int BatchSize { get; init; }

    /// <summary>Cases warmed and cycled through (warm, batch, mix, at-least-as-fresh).</summary>
    public required int Cases { get; init; }

    /// <summary>The workload's seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Superuser connection string (mix).</summary>
    public string? Database { get; init; }

    /// <summary>NATS server (mix; cold, to flush the silo's grains first).</summary>
    public Uri? Nats { get; init; }

    /// <summary>The silo's subject prefix.</summary>
    public required string SubjectPrefix { get; init; }

    /// <summary>Time between role changes (mix).</summary>
    public required TimeSpan ChangeInterval { get; init; }

    /// <summary>How long after an event is published the old answer is still acceptable (mix).</summary>
    public required TimeSpan StaleGrace { get; init; }

    /// <summary>JSON report path.</summary>
    public string? JsonPath { get; init; }

    /// <summary>HTML report path.</summary>
    public string? HtmlPath { get; init; }

    /// <summary>Whether the scenario warms the cases' grains first and cycles through them.</summary>
    public bool Prewarm => Scenario is RunScenario.Warm or RunScenario.Batch or RunScenario.Mix or RunScenario.AtLeastAsFresh;

    /// <summary>The scenario's name on the command line.</summary>
    public static string Name(RunScenario scenario) => scenario switch
    {
        RunScenario.FullyConsistent => "fully-consistent",
        RunScenario.AtLeastAsFresh => "at-least-as-fresh",
        _ => scenario.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses and validates <paramref name="args"/>; null with <paramref name="problems"/> filled when anything is wrong.</summary>
    public static RunSettings? Parse(string[] args, out List<string> problems)
    {
        var options = CommandLine.Parse(
            args,
            ["address", "token", "manifest", "policy", "scenario", "mode", "rate", "concurrency", "connections", "duration", "warmup",
                "batch-size", "cases", "seed", "database", "nats", "subject-prefix", "nats-prefix", "change-interval", "stale-grace", "json", "html"],
            [],
            out problems);
        var found = problems;

        var address = ParseAddress(options.GetValueOrDefault("address") ?? "127.0.0.1:50051", found);
        var token = options.GetValueOrDefault("token") ?? Environment.GetEnvironmentVariable("PERMS_LOADTEST_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            found.Add("--token is required (a caller token of the silo; or set PERMS_LOADTEST_TOKEN)");
        }

        var scenarioText = options.GetValueOrDefault("scenario") ?? "warm";
        var scenario = Enum.GetValues<RunScenario>().Cast<RunScenario?>().FirstOrDefault(s => Name(s!.Value) == scenarioText);
        if (scenario is null)
        {
            found.Add($"--scenario must be one of {string.Join(", ", Enum.GetValues<RunScenario>().Select(Name))}, got \"{scenarioText}\"");
        }

        var modeText = options.GetValueOrDefault("mode") ?? "closed";
        LoadMode? mode = modeText switch
        {
            "open" => LoadMode.Open,
            "closed" => LoadMode.Closed,
            _ => null,
        };
        if (mode is null)
        {
            found.Add($"--mode must be open or closed, got \"{modeText}\"");
        }

        var rate = CommandLine.Double(options, "rate", 0, found);
        if (mode == LoadMode.Open && !(rate > 0 && double.IsFinite(rate)))
        {
            found.Add(options.ContainsKey("rate") ? "--rate must be a positive number of requests per second" : "--rate is required with --mode open (requests per second)");
        }
        else if (mode == LoadMode.Closed && options.ContainsKey("rate"))
        {
            found.Add("--rate applies to --mode open only (a closed loop sends as fast as --concurrency workers can)");
        }

        var concurrency = CommandLine.Int(options, "concurrency", 64, found);
        InRange(concurrency, 1, MaxConcurrency, "--concurrency", found);
        var connections = CommandLine.Int(options, "connections", 2, found);
        InRange(connections, 1, MaxConnections, "--connections", found);
        var duration = Duration(options, "duration", TimeSpan.FromSeconds(10), found);
        if (duration <= TimeSpan.Zero)
        {
            found.Add("--duration must be longer than zero");
        }

        var warmUp = Duration(options, "warmup", TimeSpan.FromSeconds(3), found);
        if (warmUp < TimeSpan.Zero)
        {
            found.Add("--warmup must not be negative");
        }

        var batchSize = CommandLine.Int(options, "batch-size", 100, found);
        InRange(batchSize, 1, PermsBatchTarget.MaxBatchSize, "--batch-size", found);
        OnlyFor(options, "batch-size", scenario, [RunScenario.Batch], found);
        var cases = CommandLine.Int(options, "cases", PermsCheckTarget.DefaultCases, found);
        InRange(cases, 1, MaxCases, "--cases", found);
        OnlyFor(options, "cases", scenario, [RunScenario.Warm, RunScenario.Batch, RunScenario.Mix, RunScenario.AtLeastAsFresh], found);
        var seed = CommandLine.Int(options, "seed", 7, found);

        var database = options.GetValueOrDefault("database");
        OnlyFor(options, "database", scenario, [RunScenario.Mix], found);
        if (database is not null)
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(database);
            }
            catch (ArgumentException e)
            {
                found.Add($"--database is not an Npgsql connection string ({e.Message})");
            }
        }

        Uri? nats = null;
        if (options.GetValueOrDefault("nats") is { } natsText)
        {
            if (Uri.TryCreate(natsText, UriKind.Absolute, out var uri) && uri.Scheme is "nats" or "tls" && uri.Port > 0)
            {
                nats = uri;
            }
            else
            {
                found.Add($"--nats must be a nats://HOST:PORT or tls://HOST:PORT URL, got \"{natsText}\"");
            }
        }

        OnlyFor(options, "nats", scenario, [RunScenario.Mix, RunScenario.Cold], found);
        if (scenario == RunScenario.Mix)
        {
            if (database is null)
            {
                found.Add("--database is required with --scenario mix (Npgsql connection string of a role that may UPDATE the member table)");
            }

            if (!options.ContainsKey("nats"))
            {
                found.Add("--nats is required with --scenario mix (the NATS server the silo subscribes to)");
            }
        }

        if (options.ContainsKey("subject-prefix") && options.ContainsKey("nats-prefix"))
        {
            found.Add("--subject-prefix and --nats-prefix are the same option; give one");
        }

        var prefix = options.GetValueOrDefault("subject-prefix") ?? options.GetValueOrDefault("nats-prefix") ?? "";
        if (prefix.Length > 0 && (!prefix.EndsWith('.') || prefix.StartsWith('.') || prefix.Contains("..", StringComparison.Ordinal)
            || prefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>')))
        {
            found.Add($"--subject-prefix must be NATS subject tokens ending with a dot (e.g. myapp.), as the silo's Perms:Events:SubjectPrefix; got \"{prefix}\"");
        }

        OnlyFor(options, "subject-prefix", scenario, [RunScenario.Mix, RunScenario.Cold], found);
        OnlyFor(options, "nats-prefix", scenario, [RunScenario.Mix, RunScenario.Cold], found);
        var changeInterval = Duration(options, "change-interval", TimeSpan.FromMilliseconds(100), found);
        if (changeInterval < TimeSpan.FromMilliseconds(1))
        {
            found.Add("--change-interval must be at least 1 ms");
        }

        var staleGrace = Duration(options, "stale-grace", TimeSpan.FromSeconds(1), found);
        if (staleGrace < TimeSpan.Zero)
        {
            found.Add("--stale-grace must not be negative");
        }

        OnlyFor(options, "change-interval", scenario, [RunScenario.Mix], found);
        OnlyFor(options, "stale-grace", scenario, [RunScenario.Mix], found);

        var json = ReportPath(options, "json", found);
        var html = ReportPath(options, "html", found);
        if (json is not null && json == html)
        {
            found.Add("--json and --html must be different files");
        }

        var manifestPath = Path.GetFullPath(options.GetValueOrDefault("manifest") ?? DatasetManifest.DefaultFileName);
        var manifest = DatasetManifest.Read(manifestPath, found);
        TableLayout? layout = null;
        PermissionOracle? oracle = null;
        if (manifest is not null)
        {
            layout = TableLayout.Create(manifest.Layout, manifest.Schema, null, null, $"--manifest {manifestPath}: layout/schema", found);
            var policy = options.GetValueOrDefault("policy") is { } policyOption ? Path.GetFullPath(policyOption) : manifest.PolicyPath;
            if (policy.Length == 0)
            {
                found.Add($"--manifest {manifestPath} names no policy; pass --policy (the file the silo runs with)");
            }
            else
            {
                try
                {
                    oracle = PermissionOracle.Load(policy);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    found.Add($"{(options.ContainsKey("policy") ? "--policy" : $"--manifest {manifestPath}: policy")}: {e.Message}");
                }
            }
        }

        if (found.Count > 0 || address is null || scenario is null || mode is null || manifest is null || layout is null || oracle is null)
        {
            return null;
        }

        return new RunSettings
        {
            Address = address,
            Token = token!,
            ManifestPath = manifestPath,
            Manifest = manifest,
            Oracle = oracle,
            Layout = layout,
            Scenario = scenario.Value,
            Load = new LoadOptions(mode.Value, rate, concurrency, duration, warmUp),
            Connections = connections,
            BatchSize = batchSize,
            Cases = cases,
            Seed = seed,
            Database = database,
            Nats = nats,
            SubjectPrefix = prefix,
            ChangeInterval = changeInterval,
            StaleGrace = staleGrace,
            JsonPath = json,
            HtmlPath = html,
        };
    }

    private static Uri? ParseAddress(string text, List<string> problems)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : $"http://{text}";
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0
            && (text.Contains("://", StringComparison.Ordinal) || !uri.IsDefaultPort)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0)
        {
            return uri;
        }

        problems.Add($"--address must be HOST:PORT (e.g. 127.0.0.1:50051) or an http(s)://HOST:PORT URL, got \"{text}\"");
        return null;
    }

    private static void InRange(long value, long min, long max, string option, List<string> problems)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{option} must be between {min:N0} and {max:N0}, got {value:N0}"));
        }
    }

    private static void OnlyFor(Dictionary<string, string?> options, string option, RunScenario? scenario, RunScenario[] scenarios, List<string> problems)
    {
        if (options.ContainsKey(option) && scenario is { } given && !scenarios.Contains(given))
        {
            problems.Add($"--{option} applies to --scenario {string.Join(" or ", scenarios.Select(Name))} only, not {Name(given)}");
        }
    }

    private static string? ReportPath(Dictionary<string, string?> options, string option, List<string> problems)
    {
        if (options.GetValueOrDefault(option) is not { } text)
        {
            return null;
        }

        var path = Path.GetFullPath(text);
        if (Directory.Exists(path))
        {
            problems.Add($"--{option} {text} is a directory; give a file name");
        }

        return path;
    }

    /// <summary>A duration: a number with a unit (<c>250ms</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>) or a bare number of seconds.</summary>
    private static TimeSpan Duration(Dictionary<string, string?> options, string name, TimeSpan fallback, List<string> problems)
    {
        if (!options.TryGetValue(name, out var text) || text is null)
        {
            return fallback;
        }

        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && Math.Abs(value * scale) < TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        problems.Add($"--{name} must be a duration such as 250ms, 10s, 2m or a number of seconds, got \"{text}\"");
        return fallback;
    }
}
