using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Perms.Grpc;
using Perms.LoadTest.Reporting;
using Perms.LoadTest.Running;
using Perms.LoadTest.Scenarios;
using Perms.LoadTest.Truth;
using Perms.Nats;

namespace Perms.LoadTest.Commands;

/// <summary>
/// <c>perms-loadtest run</c>: one scenario against a silo over a generated dataset, every answer judged against the
/// ground truth rebuilt from the manifest. Prints live progress and the final table; exit code 0 when no answer was
/// wrong, 3 when one was, 1 when the run could not be set up, 2 on bad usage.
/// </summary>
internal static class RunCommand
{
    public const string Usage = """
        usage: perms-loadtest run [--address 127.0.0.1:50051] [--token TOKEN] [--manifest perms-dataset.json]
                                  [--scenario warm|cold|batch|mix|fully-consistent|at-least-as-fresh]
                                  [--mode closed|open] [--rate N] [--concurrency 64] [--connections 2]
                                  [--duration 10s] [--warmup 3s] [--cases 20000] [--seed 7] [--batch-size 100]
                                  [--database CONNSTRING] [--nats nats://HOST:PORT] [--subject-prefix P.]
                                  [--change-interval 100ms] [--stale-grace 1s] [--policy FILE] [--json FILE] [--html FILE]
          --address        the silo (gateway in process): HOST:PORT or http(s)://HOST:PORT
          --token          a caller token of the silo (or PERMS_LOADTEST_TOKEN)
          --manifest       what `generate` wrote: the dataset's spec, layout, schema and policy (the ground truth's source)
          --scenario       warm: cached reads over --cases cases whose grains are activated first
                           cold: cached reads, user n at request n, so each check activates a user grain (a fresh silo,
                                 or --nats to flush the silo's grains first; the run stays cold until it wraps the users)
                           batch: CheckPermissions with --batch-size checks each, warm, each check judged
                           mix: warm checks while a role changes every --change-interval (UPDATE in --database, then
                                member.role.changed on --nats); the old answer is accepted from the UPDATE's start until
                                the event is published + --stale-grace, the new one from the UPDATE's start
                           fully-consistent: fully_consistent (PostgreSQL on every call), random cases
                           at-least-as-fresh: at_least_as_fresh = the send time, over warm cases
          --mode           closed: --concurrency workers back to back; open: --rate requests/s, at most --concurrency in flight
          --duration       measured time (250ms, 10s, 2m or seconds); --warmup runs the same load first, unmeasured
          --policy         the policy the silo runs with, if not the manifest's
          --json, --html   write the reports there
          Exit code: 0 no wrong answer; 3 wrong answers; 1 set-up failed, or a mix's role changes stopped early or
          were not all undone; 2 bad usage; 130 interrupted (the result so far is still printed and reported).
        """;

    /// <summary>Runs with Ctrl-C stopping the run (a mix still restores the roles it changed).</summary>
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
            return (await ExecuteAsync(args, output, error, stop.Token).ConfigureAwait(false)).ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Parses, validates, sets up and runs; the outcome carries the measurements (for callers in process).</summary>
    public static async Task<RunOutcome> ExecuteAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var settings = RunSettings.Parse(args, out var problems);
        if (settings is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem).ConfigureAwait(false);
            }

            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return new RunOutcome(2, null);
        }

        try
        {
            return await RunAsync(settings, output, error, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("run: interrupted").ConfigureAwait(false);
            return new RunOutcome(130, null);
        }
        catch (Exception e) when (e is InvalidOperationException or NpgsqlException or NatsException or GrpcStatusException or IOException or ArgumentException or TimeoutException or OperationCanceledException)
        {
            await error.WriteLineAsync($"run failed: {e.Message}").ConfigureAwait(false);
            return new RunOutcome(1, null);
        }
    }

    private static async Task<RunOutcome> RunAsync(RunSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var spec = settings.Manifest.Spec;
        var building = Stopwatch.StartNew();
        var model = DatasetModel.Build(spec, settings.Oracle);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {RunSettings.Name(settings.Scenario)}: {spec.Users:N0} users, {spec.Organizations:N0} organizations, {spec.Memberships:N0} memberships (seed {spec.Seed}); ground truth built in {building.Elapsed.TotalSeconds:F1} s from {settings.ManifestPath} and {settings.Oracle.Source}")).ConfigureAwait(false);

        var workload = settings.Scenario == RunScenario.Cold ? CheckWorkload.InUserOrder(model, settings.Seed) : new CheckWorkload(model, settings.Seed);
        using var client = new PermsClient(settings.Address, settings.Token, 1, TimeSpan.FromSeconds(10));
        await SiloPreflight.VerifyAsync(client, model, settings.Address, cancellationToken).ConfigureAwait(false);

        await using var target = CreateTarget(settings, workload);
        await using var nats = settings.Nats is null ? null : await ConnectAsync(settings.Nats, cancellationToken).ConfigureAwait(false);
        await using var database = settings.Database is null ? null : NpgsqlDataSource.Create(settings.Database);
        await using var driver = settings.Scenario == RunScenario.Mix
            ? new RoleChangeDriver(workload, settings.Cases, database!, settings.Layout, nats!, settings.SubjectPrefix, settings.ChangeInterval, settings.StaleGrace, settings.Seed)
            : null;

        if (settings.Scenario == RunScenario.Cold)
        {
            await FlushGrainsAsync(settings, nats, output, cancellationToken).ConfigureAwait(false);
        }

        var preparing = Stopwatch.StartNew();
        await target.PrepareAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Prewarm)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"prewarmed the grains of {settings.Cases:N0} cases in {preparing.Elapsed.TotalSeconds:F1} s")).ConfigureAwait(false);
        }

        var progress = new ProgressPrinter(error, rewriteLine: ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
        LoadResult result;
        try
        {
            if (driver is not null)
            {
                var (change, shownAt) = await driver.VerifyEventsReachSiloAsync(
                    async (check, token) => (await client.CheckAsync(PermsClient.Request(check, PermsReadMode.Cached), token).ConfigureAwait(false)).Allowed,
                    cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"probe: a role change took {Stopwatch.GetElapsedTime(change.Started, change.Committed).TotalMilliseconds:F1} ms to commit and {Stopwatch.GetElapsedTime(change.Committed, change.Published).TotalMilliseconds:F1} ms more to publish; cached checks showed it at most {Stopwatch.GetElapsedTime(change.Published, shownAt).TotalMilliseconds:F1} ms after")).ConfigureAwait(false);
                driver.Start();
            }

            result = await LoadRunner.RunAsync(target, settings.Load, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            progress.Finish();
            if (driver is not null)
            {
                await driver.StopAsync().ConfigureAwait(false);
            }
        }

        // LoadRunner returns what it measured when stopped during the measured part: report it, marked partial.
        var interrupted = cancellationToken.IsCancellationRequested;
        await output.WriteLineAsync().ConfigureAwait(false);
        if (interrupted)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"PARTIAL RESULT: interrupted after {result.Elapsed.TotalSeconds:F1} s of the {settings.Load.Duration.TotalSeconds:F1} s measured")).ConfigureAwait(false);
        }

        ResultTable.Write(output, [result], null);
        await WriteNotesAsync(settings, model, workload, target, driver, result, output).ConfigureAwait(false);

        // Reports: JSON (--json) and HTML (--html) of this one result. Not cancellable: a Ctrl-C must not leave a
        // truncated report behind.
        if (settings.JsonPath is not null || settings.HtmlPath is not null)
        {
            var parameters = Parameters(settings, driver, workload);
            if (interrupted)
            {
                parameters["partial"] = string.Create(CultureInfo.InvariantCulture, $"interrupted after {result.Elapsed.TotalSeconds:F1} s of the {settings.Load.Duration.TotalSeconds:F1} s measured");
            }

            var report = RunReport.Create($"perms-loadtest run {RunSettings.Name(settings.Scenario)}", startedAt, parameters, [result]);
            if (settings.JsonPath is not null)
            {
                await JsonReport.WriteAsync(settings.JsonPath, report, CancellationToken.None).ConfigureAwait(false);
                await output.WriteLineAsync($"JSON report: {settings.JsonPath}").ConfigureAwait(false);
            }

            if (settings.HtmlPath is not null)
            {
                await HtmlReport.WriteAsync(settings.HtmlPath, report, CancellationToken.None).ConfigureAwait(false);
                await output.WriteLineAsync($"HTML report: {settings.HtmlPath}").ConfigureAwait(false);
            }
        }

        var notRestored = driver?.NotRestored ?? [];
        var exitCode = interrupted ? 130 : result.Wrong > 0 ? 3 : driver?.Failure is not null || notRestored.Count > 0 ? 1 : 0;
        if (result.Wrong > 0)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"run: {result.Wrong:N0} wrong answers; the first: {string.Join(" | ", result.WrongExamples.Take(3))}")).ConfigureAwait(false);
        }

        if (driver?.Failure is { } failure)
        {
            await error.WriteLineAsync($"run: the role changes stopped early ({failure.Message}); the mix was not what was asked").ConfigureAwait(false);
        }

        if (notRestored.Count > 0)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"run: {notRestored.Count:N0} membership(s) could not be given their generated role back; the database no longer matches the manifest:")).ConfigureAwait(false);
            foreach (var membership in notRestored)
            {
                await error.WriteLineAsync($"  {membership}").ConfigureAwait(false);
            }
        }

        if (interrupted)
        {
            await error.WriteLineAsync("run: interrupted; the result is partial").ConfigureAwait(false);
        }

        return new RunOutcome(exitCode, result, driver?.Changes ?? 0, driver?.Restored ?? 0, workload.AnswersOnChangedMemberships, workload.AnswersReflectingChanges);
    }

    private static ILoadTarget CreateTarget(RunSettings settings, CheckWorkload workload)
    {
        var (address, token, connections, cases) = (settings.Address, settings.Token, settings.Connections, settings.Cases);
        var mixName = string.Create(CultureInfo.InvariantCulture, $"Perms CheckPermission (warm, a role change every {settings.ChangeInterval.TotalMilliseconds:0} ms)");
        return settings.Scenario switch
        {
            RunScenario.Warm => new PermsCheckTarget("Perms CheckPermission (warm)", address, token, connections, workload, PermsReadMode.Cached, prewarm: true) { Cases = cases },
            RunScenario.Cold => new PermsCheckTarget("Perms CheckPermission (cold)", address, token, connections, workload, PermsReadMode.Cached, prewarm: false),
            RunScenario.Batch => new PermsBatchTarget($"Perms CheckPermissions ×{settings.BatchSize} (warm)", address, token, connections, workload, settings.BatchSize, PermsReadMode.Cached, prewarm: true) { Cases = cases },
            RunScenario.Mix => new PermsCheckTarget(mixName, address, token, connections, workload, PermsReadMode.Cached, prewarm: true) { Cases = cases },
            RunScenario.FullyConsistent => new PermsCheckTarget("Perms CheckPermission (fully_consistent)", address, token, connections, workload, PermsReadMode.FullyConsistent, prewarm: false),
            RunScenario.AtLeastAsFresh => new PermsCheckTarget("Perms CheckPermission (at_least_as_fresh)", address, token, connections, workload, PermsReadMode.AtLeastAsFresh, prewarm: true) { Cases = cases },
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Scenario, "unknown scenario"),
        };
    }

    private static async Task<NatsConnection> ConnectAsync(Uri server, CancellationToken cancellationToken)
    {
        var nats = new NatsConnection(new NatsOptions { Servers = [server], Name = "perms-loadtest" });
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await nats.ConnectAsync(timeout.Token).ConfigureAwait(false);
            return nats;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            await nats.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"cannot connect to NATS at {server} within 10 s: {e.Message}", e);
        }
        catch
        {
            await nats.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Cold means the silo holds no grain of the users asked about. With NATS, <c>perms.cache.flush</c> deactivates
    /// every grain of every silo subscribed with that prefix first; without, the silo must be fresh.
    /// </summary>
    private static async Task FlushGrainsAsync(RunSettings settings, NatsConnection? nats, TextWriter output, CancellationToken cancellationToken)
    {
        if (nats is null)
        {
            await output.WriteLineAsync("cold: no --nats, so the silo's active grains are not flushed first; users it has already checked answer warm").ConfigureAwait(false);
            return;
        }

        var subject = settings.SubjectPrefix + "perms.cache.flush";
        var payload = Encoding.UTF8.GetBytes($$"""{"occurredAt":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""");
        await nats.PublishAsync(subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
        await nats.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The silo applies events asynchronously; give it a moment before the first check.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"cold: published {subject}: the silo's grains were deactivated").ConfigureAwait(false);
    }

    private static async Task WriteNotesAsync(RunSettings settings, DatasetModel model, CheckWorkload workload, ILoadTarget target, RoleChangeDriver? driver, LoadResult result, TextWriter output)
    {
        if (driver is not null)
        {
            await output.WriteLineAsync(driver.Describe()).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"answers on changed memberships: {workload.AnswersOnChangedMemberships:N0} judged against their change windows, {workload.AnswersReflectingChanges:N0} of them showing a changed role")).ConfigureAwait(false);
        }

        if (target is PermsBatchTarget batch)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"batch: {batch.Items:N0} checks answered in batches of {settings.BatchSize} ({result.Throughput * settings.BatchSize:N0} checks/s measured)")).ConfigureAwait(false);
        }

        if (settings.Scenario == RunScenario.Cold && result.Correct + result.Wrong + result.Errors > model.UserCount)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"cold: {result.Correct + result.Wrong + result.Errors:N0} requests over {model.UserCount:N0} users wrapped around; the later checks found warm grains")).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> Parameters(RunSettings settings, RoleChangeDriver? driver, CheckWorkload workload)
    {
        var spec = settings.Manifest.Spec;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["scenario"] = RunSettings.Name(settings.Scenario),
            ["address"] = settings.Address.ToString(),
            ["connections"] = settings.Connections.ToString(CultureInfo.InvariantCulture),
            ["dataset"] = string.Create(CultureInfo.InvariantCulture, $"{spec.Users} users, {spec.Organizations} organizations, {spec.Memberships} memberships, seed {spec.Seed}, zipf {spec.ZipfExponent}"),
            ["layout"] = $"{settings.Manifest.Layout} (schema {settings.Manifest.Schema})",
            ["policy"] = settings.Oracle.Source,
            ["workload seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (settings.Prewarm)
        {
            parameters["cases (prewarmed)"] = settings.Cases.ToString(CultureInfo.InvariantCulture);
        }

        if (settings.Scenario == RunScenario.Batch)
        {
            parameters["batch size"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture);
        }

        if (driver is not null)
        {
            parameters["change interval"] = settings.ChangeInterval.ToString();
            parameters["stale grace"] = settings.StaleGrace.ToString();
            parameters["role changes"] = driver.Changes.ToString(CultureInfo.InvariantCulture);
            parameters["answers on changed memberships"] = workload.AnswersOnChangedMemberships.ToString(CultureInfo.InvariantCulture);
            parameters["answers showing a changed role"] = workload.AnswersReflectingChanges.ToString(CultureInfo.InvariantCulture);
        }

        return parameters;
    }
}
