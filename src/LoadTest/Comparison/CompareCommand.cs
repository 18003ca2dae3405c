using System.Globalization;
using System.Text.Json;
using Perms.Grpc;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Reporting;
using Perms.LoadTest.Running;
using Perms.LoadTest.Scenarios;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Comparison;

/// <summary>
/// <c>perms-loadtest compare</c>: in one run and over one workload, the empty gRPC call (the floor), Perms warm, Perms
/// <c>fully_consistent</c> and Better Auth's own hasPermission over HTTP; for each the maximum throughput (closed loop),
/// the latency under an open-loop load at half of it, and the latency of one request at a time; then the ratios
/// shared/design/performance.md sets as targets, each marked met or not.
/// </summary>
internal static class CompareCommand
{
    public const string Usage = """
        usage: perms-loadtest compare --address HOST:PORT --manifest FILE --database postgres://… [--token TOKEN]
                                      [--schema S] [--concurrency 64] [--connections 2] [--duration 10] [--warmup 3]
                                      [--json FILE] [--html FILE] [--skip-better-auth] [--better-auth-server DIR]
          --address             the silo (gateway in process): HOST:PORT or http://HOST:PORT
          --token               a caller token of the silo (or PERMS_LOADTEST_TOKEN)
          --manifest            the dataset manifest `generate --manifest` wrote (spec, schema, policy)
          --database            postgres:// URL of the tables' owner, for Better Auth (it writes sessions)
          --schema              the tables' schema for Better Auth (default: the manifest's)
          --concurrency         callers in the closed-loop throughput phases
          --connections         HTTP/2 connections to the silo (Better Auth gets one HTTP/1.1 connection per caller)
          --duration, --warmup  seconds of each phase's measured part and of the warm-up before it
          --json, --html        write the reports there
          --skip-better-auth    only the gRPC targets (no Node.js needed)
          --better-auth-server  the directory of server.mjs (default: src/LoadTest/better-auth-server of this repository)
          Exit code: 0 when no answer was wrong, 1 when one was (or a target answered nothing), 2 on bad usage.
        """;

    private const string FloorName = "empty gRPC call (health check)";
    private const string WarmName = "Perms CheckPermission (warm)";
    private const string ConsistentName = "Perms CheckPermission (fully_consistent)";
    private const string BetterAuthName = "Better Auth hasPermission (HTTP)";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await RunAsync(args, output, error, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await error.WriteLineAsync("compare: stopped").ConfigureAwait(false);
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = CommandLine.Parse(
            args,
            ["address", "token", "manifest", "database", "schema", "concurrency", "connections", "duration", "warmup", "json", "html", "better-auth-server"],
            ["skip-better-auth"],
            out var problems);
        var address = ParseAddress(options.GetValueOrDefault("address"), problems);
        var token = options.GetValueOrDefault("token") ?? Environment.GetEnvironmentVariable("PERMS_LOADTEST_TOKEN");
        if (string.IsNullOrEmpty(token))
        {
            problems.Add("--token is required (or set PERMS_LOADTEST_TOKEN)");
        }

        var skipBetterAuth = options.ContainsKey("skip-better-auth");
        var database = options.GetValueOrDefault("database");
        if (!skipBetterAuth && database is null)
        {
            problems.Add("--database (a postgres:// URL for Better Auth) is required unless --skip-better-auth");
        }

        var concurrency = CommandLine.Int(options, "concurrency", 64, problems);
        var connections = CommandLine.Int(options, "connections", 2, problems);
        var measure = Duration(options, "duration", TimeSpan.FromSeconds(10), problems);
        var warm = Duration(options, "warmup", TimeSpan.FromSeconds(3), problems);
        if (concurrency < 1 || connections < 1)
        {
            problems.Add("--concurrency and --connections must be at least 1");
        }

        if (measure <= TimeSpan.Zero || warm < TimeSpan.Zero)
        {
            problems.Add("--duration must be longer than zero and --warmup not negative");
        }

        var jsonPath = options.GetValueOrDefault("json") is { } json ? Path.GetFullPath(json) : null;
        var htmlPath = options.GetValueOrDefault("html") is { } html ? Path.GetFullPath(html) : null;

        DatasetManifest? manifest = null;
        if (options.GetValueOrDefault("manifest") is { } manifestPath)
        {
            manifest = DatasetManifest.Read(manifestPath, problems);
        }
        else
        {
            problems.Add("--manifest is required (generate --manifest FILE writes it)");
        }

        string? serverDirectory = null;
        if (!skipBetterAuth)
        {
            serverDirectory = BetterAuthServerProcess.FindPackageDirectory(options.GetValueOrDefault("better-auth-server"), out var problem);
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        if (problems.Count > 0 || manifest is null || address is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem).ConfigureAwait(false);
            }

            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var schema = options.GetValueOrDefault("schema") ?? manifest.Schema;
        DatasetModel model;
        try
        {
            model = manifest.PolicyPath.Length > 0 ? DatasetModel.Build(manifest.Spec, PermissionOracle.Load(manifest.PolicyPath)) : DatasetModel.Build(manifest.Spec);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            await error.WriteLineAsync($"compare: the manifest's policy {manifest.PolicyPath} cannot be used: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var workload = new CheckWorkload(model);
        var startedAt = DateTimeOffset.UtcNow;
        var dataset = string.Create(CultureInfo.InvariantCulture, $"{manifest.Spec.Users:N0} users, {manifest.Spec.Organizations:N0} organizations, {manifest.Spec.Memberships:N0} memberships (seed {manifest.Spec.Seed}, schema {manifest.Schema})");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"compare: {dataset}; silo {address}; {concurrency} callers, {connections} HTTP/2 connection(s); {measure.TotalSeconds:0.###} s per phase after {warm.TotalSeconds:0.###} s of warm-up")).ConfigureAwait(false);

        BetterAuthServerProcess? server = null;
        var targets = new List<ILoadTarget>();
        try
        {
            // As `run` does: a silo over another dataset fails here, naming the difference, rather than as a flood of
            // wrong answers.
            using (var preflight = new PermsClient(address, token!, 1, TimeSpan.FromSeconds(10)))
            {
                await SiloPreflight.VerifyAsync(preflight, model, address, cancellationToken).ConfigureAwait(false);
            }

            targets.Add(new HealthFloorTarget(FloorName, address, connections));
            targets.Add(new PermsCheckTarget(WarmName, address, token!, connections, workload, PermsReadMode.Cached, prewarm: true));
            targets.Add(new PermsCheckTarget(ConsistentName, address, token!, connections, workload, PermsReadMode.FullyConsistent, prewarm: false) { CycleCases = true });
            BetterAuthHttpTarget? betterAuth = null;
            if (!skipBetterAuth)
            {
                await output.WriteLineAsync($"starting the Better Auth server ({serverDirectory}) over schema {schema}").ConfigureAwait(false);
                server = await BetterAuthServerProcess.StartAsync(serverDirectory!, database!, schema, NullIfEmpty(manifest.PolicyPath), cancellationToken).ConfigureAwait(false);
                betterAuth = new BetterAuthHttpTarget(BetterAuthName, server.Address, Math.Max(concurrency, connections), workload, model);
                targets.Add(betterAuth);
            }

            foreach (var target in targets)
            {
                await target.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            if (betterAuth is not null)
            {
                await output.WriteLineAsync($"Better Auth: {betterAuth.Sessions:N0} sessions made through its internal adapter ({betterAuth.BannedUsers:N0} of them for banned users, written directly since the admin plugin's hook refuses those)").ConfigureAwait(false);
            }

            var progress = new ProgressPrinter(error, rewriteLine: ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            async Task<LoadResult> Phase(ILoadTarget target, LoadOptions phase)
            {
                try
                {
                    return await LoadRunner.RunAsync(target, phase, progress, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    progress.Finish();
                }
            }

            // Phase by phase across the targets rather than target by target, so a noisy minute on a shared machine
            // spreads over all of them instead of skewing one.
            var throughput = new List<LoadResult>();
            foreach (var target in targets)
            {
                throughput.Add(await Phase(target, new LoadOptions(LoadMode.Closed, 0, concurrency, measure, warm)).ConfigureAwait(false));
            }

            var halfLoad = new List<LoadResult?>();
            for (var i = 0; i < targets.Count; i++)
            {
                var rate = throughput[i].Throughput / 2;
                // The open loop refuses arrivals past this many in flight (counted as "overload" errors): well above what half
                // the maximum rate needs. A larger bound only piled up requests (and garbage) on a 2-core machine and made
                // every latency worse, refusals included.
                halfLoad.Add(rate > 0
                    ? await Phase(targets[i], new LoadOptions(LoadMode.Open, rate, Math.Max(256, concurrency * 4), measure, warm)).ConfigureAwait(false)
                    : null);
            }

            var sequential = new List<LoadResult>();
            foreach (var target in targets)
            {
                sequential.Add(await Phase(target, new LoadOptions(LoadMode.Closed, 0, 1, measure, warm)).ConfigureAwait(false));
            }

            var phases = targets.Select((t, i) => new ComparisonPhases(t.Name, throughput[i], halfLoad[i], sequential[i])).ToList();
            var goals = PerformanceGoals.Evaluate(phases[0], phases[1], phases[2], betterAuth is null ? null : phases[3]);

            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"max throughput: closed loop, {concurrency} callers").ConfigureAwait(false);
            ResultTable.Write(output, throughput, throughput[0]);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync("latency under load: open loop at 50% of each target's max throughput").ConfigureAwait(false);
            ResultTable.Write(output, [.. halfLoad.OfType<LoadResult>()], null);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync("latency: one caller, one request at a time").ConfigureAwait(false);
            ResultTable.Write(output, sequential, sequential[0]);
            await output.WriteLineAsync().ConfigureAwait(false);
            await WriteGoalsAsync(output, goals).ConfigureAwait(false);
            if (betterAuth is not null)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Better Auth answers for banned users ({betterAuth.BannedCases:N0}) were judged with the ban ignored: its hasPermission never reads user.banned, Perms denies them (bans.mode deny).")).ConfigureAwait(false);
            }

            var all = phases.SelectMany(p => p.All).ToList();
            if (jsonPath is not null || htmlPath is not null)
            {
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["dataset"] = dataset,
                    ["policy"] = manifest.PolicyPath,
                    ["silo"] = address.ToString(),
                    ["client"] = string.Create(CultureInfo.InvariantCulture, $"perms-loadtest (C#): {connections} HTTP/2 connection(s) to the silo; {Math.Max(concurrency, connections)} HTTP/1.1 connections to Better Auth"),
                    ["phases"] = string.Create(CultureInfo.InvariantCulture, $"closed loop with {concurrency} callers (max throughput); open loop at 50% of each target's max; closed loop with 1 caller; {measure.TotalSeconds:0.###} s each after {warm.TotalSeconds:0.###} s of warm-up"),
                    ["Better Auth"] = betterAuth is null
                        ? "skipped"
                        : string.Create(CultureInfo.InvariantCulture, $"better-auth 1.7.25 (node {server!.PackageDirectory}), POST /{BetterAuthHttpTarget.HasPermissionPath} with Bearer sessions; {betterAuth.Sessions:N0} sessions; {betterAuth.BannedCases:N0} answers for banned users judged with the ban ignored"),
                };
                foreach (var goal in goals)
                {
                    parameters[$"target: {goal.Metric}"] = $"{goal.Value} (goal {goal.Goal}): {goal.Verdict}";
                }

                var report = Report(startedAt, parameters, phases);
                if (jsonPath is not null)
                {
                    await JsonReport.WriteAsync(jsonPath, report, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"json: {jsonPath}").ConfigureAwait(false);
                }

                if (htmlPath is not null)
                {
                    await HtmlReport.WriteAsync(htmlPath, report, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"html: {htmlPath}").ConfigureAwait(false);
                }
            }

            var wrong = all.Sum(r => r.Wrong);
            var silent = all.Where(r => r.Correct + r.Wrong == 0).Select(r => r.Target).Distinct().ToList();
            if (wrong > 0)
            {
                await error.WriteLineAsync($"compare: {wrong:N0} wrong answers (examples in the tables above and the reports)").ConfigureAwait(false);
            }

            if (silent.Count > 0)
            {
                await error.WriteLineAsync($"compare: no answer at all in a phase of: {string.Join(", ", silent)}").ConfigureAwait(false);
            }

            return wrong > 0 || silent.Count > 0 ? 1 : 0;
        }
        catch (Exception e) when (e is InvalidOperationException or GrpcStatusException or HttpRequestException or IOException or JsonException)
        {
            await error.WriteLineAsync($"compare failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            foreach (var target in targets)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }

            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteGoalsAsync(TextWriter output, IReadOnlyList<PerformanceGoal> goals)
    {
        await output.WriteLineAsync("performance.md targets (ratios measured in this run)").ConfigureAwait(false);
        var width = goals.Max(g => g.Metric.Length);
        var valueWidth = Math.Max(8, goals.Max(g => g.Value.Length));
        foreach (var goal in goals)
        {
            await output.WriteLineAsync($"  {goal.Metric.PadRight(width)}  {goal.Value.PadLeft(valueWidth)}  target {goal.Goal,-8}  {goal.Verdict}").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The report: each result named with its phase (a target runs three), and each compared with the floor measured
    /// in the same phase.
    /// </summary>
    private static RunReport Report(DateTimeOffset startedAt, Dictionary<string, string> parameters, List<ComparisonPhases> phases)
    {
        static LoadResult Named(LoadResult result, string phase) => result with { Target = $"{result.Target} · {phase}" };

        var floor = phases[0];
        var results = new List<LoadResult>();
        var ratios = new List<ResultRatio>();
        foreach (var (pick, phase) in new (Func<ComparisonPhases, LoadResult?> Pick, string Phase)[]
        {
            (p => p.Throughput, "max throughput"),
            (p => p.HalfLoad, "50% load"),
            (p => p.Sequential, "sequential"),
        })
        {
            var baseline = pick(floor) is { } b ? Named(b, phase) : null;
            foreach (var target in phases)
            {
                if (pick(target) is not { } result)
                {
                    continue;
                }

                var named = ReferenceEquals(target, floor) ? baseline! : Named(result, phase);
                results.Add(named);
                if (baseline is not null && !ReferenceEquals(target, floor))
                {
                    ratios.Add(ResultRatio.Compute(named, baseline));
                }
            }
        }

        return new RunReport("Perms vs the empty-call floor, fully_consistent and Better Auth", startedAt, RunReport.CurrentCommandLine(), parameters, results, results[0].Target, ratios);
    }

    /// <summary>A duration: a number with a unit (<c>250ms</c>, <c>1.5s</c>, <c>2m</c>) or a bare number of seconds, as <c>run</c> takes it.</summary>
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
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && Math.Abs(value * scale) < 86_400)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        problems.Add($"--{name} must be a duration such as 500ms, 10s, 2m or a number of seconds, got \"{text}\"");
        return fallback;
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static Uri? ParseAddress(string? text, List<string> problems)
    {
        if (text is null)
        {
            problems.Add("--address is required (the silo's HOST:PORT)");
            return null;
        }

        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : $"http://{text}";
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        problems.Add($"--address must be HOST:PORT or an http(s):// URL, got \"{text}\"");
        return null;
    }
}
