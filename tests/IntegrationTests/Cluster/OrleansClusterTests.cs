using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>
/// Silo processes joined by Orleans' ADO.NET clustering on PostgreSQL, in a schema that <c>perms cluster migrate</c>
/// created: the migration is idempotent, the silos form one cluster, and a check arriving on any silo reaches the
/// user's grain wherever Orleans placed it; a silo killed with kill -9 under load costs errors only until the membership
/// declares it dead (never a wrong answer), and a silo added under load costs nothing.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class OrleansClusterTests(ClusterProcessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterProcessFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_migration_is_idempotent_and_silos_on_postgres_form_one_cluster_that_answers_on_every_silo()
    {
        var schema = OrleansCluster.NewSchema("perms_orleans");
        for (var run = 1; run <= 2; run++)
        {
            var result = await OrleansCluster.MigrateAsync(fixture.OwnerConnectionString, schema);
            Assert.True(result.ExitCode == 0, $"perms cluster migrate (run {run}) exited with {result.ExitCode}:\n{result.StandardError}");
            Assert.Contains($"schema \"{schema}\"", result.StandardOutput, StringComparison.Ordinal);
        }

        var environment = OrleansCluster.Join(new Dictionary<string, string>
        {
            ["Perms__Auth__TokensPath"] = fixture.TokensPath,
            ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
            ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
            ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
            ["Perms__Events__Enabled"] = "false",
        }, fixture.OwnerConnectionString, schema);
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(await SiloProcess.StartAsync(environment));
            }

            // Every silo answers every user right; the grains end up spread over the cluster, so checks arriving on
            // one silo were answered by grains on the others.
            using var http = new HttpClient();
            var spread = new List<int>();
            await WaitUntilAsync(async () =>
            {
                foreach (var silo in silos)
                {
                    await SweepAsync(silo);
                }

                spread.Clear();
                foreach (var silo in silos)
                {
                    spread.Add(OrleansCluster.UserActivations(await http.GetStringAsync(silo.MetricsAddress, Token)));
                }

                return spread.Count(n => n > 0) >= 2;
            });

            var line = $"orleans cluster of {silos.Count} silos on postgres: user grains per silo {string.Join(", ", spread)} (of {ClusterProcessFixture.UserCount} users)";
            output.WriteLine(line);
            Assert.Equal(ClusterProcessFixture.UserCount, spread.Sum());
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Killing_a_silo_under_load_gives_no_wrong_answer_and_errors_only_until_orleans_declares_it_dead()
    {
        var (schema, environment) = await MigratedAsync("perms_kill");
        await using var cluster = new SiloSet();
        for (var i = 0; i < 3; i++)
        {
            cluster.Add(await SiloProcess.StartAsync(environment));
        }

        var (entry, victim) = (cluster[0], cluster[1]);
        using var http = new HttpClient();
        await SweepAsync(entry);
        var victimGrains = OrleansCluster.UserActivations(await http.GetStringAsync(victim.MetricsAddress, Token));

        using var channel = new GrpcChannel(entry.HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization);
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var killedAt = victim.Kill();
        await Task.Delay(TimeSpan.FromSeconds(20), Token);
        var records = await load.StopAsync();

        var wrong = records.Where(r => r.Outcome == CallOutcome.Wrong).ToList();
        var errors = records.Where(r => r.Outcome == CallOutcome.Error).ToList();
        var recoveredAt = errors.Count == 0 ? killedAt : errors.Max(e => e.End);
        var window = recoveredAt - killedAt;
        var line = $"kill -9 of 1 of 3 silos (it held {victimGrains} of {ClusterProcessFixture.UserCount} user grains), probes 1 s, 2 missed: " +
            $"checks {records.Count}, errors {errors.Count}, wrong {wrong.Count}; every check succeeds again {window.TotalSeconds:0.0} s after the kill";
        output.WriteLine(line);
        Console.WriteLine(line);
        foreach (var error in errors.Take(5))
        {
            output.WriteLine("  error: " + error);
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        Assert.True(records.Count(r => r.Start < killedAt && r.Outcome == CallOutcome.Correct) > 0, "No call succeeded before the kill.");
        var early = errors.Where(e => e.End < killedAt).ToList();
        Assert.True(early.Count == 0, $"{early.Count} errors before the kill, e.g.:\n{string.Join("\n", early.Take(10))}");

        // Orleans declares the silo dead within seconds (1 s probes, 2 missed, votes of the two survivors); after that
        // every check of the victim's users is answered by a new activation on a survivor.
        Assert.True(window < TimeSpan.FromSeconds(15), $"checks still failed {window.TotalSeconds:0.0} s after the kill, e.g.:\n{string.Join("\n", errors.TakeLast(5))}\n{entry.Output}");
        Assert.True(records.Count(r => r.Start > recoveredAt && r.Outcome == CallOutcome.Correct) > 100, "Too few checks succeeded after the recovery.");
    }

    [Fact]
    public async Task SIGTERM_of_a_silo_under_load_moves_its_grains_without_a_wrong_answer_and_exits_0()
    {
        var (_, environment) = await MigratedAsync("perms_term");
        await using var cluster = new SiloSet();
        for (var i = 0; i < 3; i++)
        {
            cluster.Add(await SiloProcess.StartAsync(environment));
        }

        var (entry, leaving) = (cluster[0], cluster[2]);
        using var http = new HttpClient();
        await SweepAsync(entry);
        var leavingGrains = OrleansCluster.UserActivations(await http.GetStringAsync(leaving.MetricsAddress, Token));

        using var channel = new GrpcChannel(entry.HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization);
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var terminatedAt = leaving.Terminate();
        var exitCode = await leaving.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exitedAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(5), Token);
        var records = await load.StopAsync();

        var wrong = records.Where(r => r.Outcome == CallOutcome.Wrong).ToList();
        var errors = records.Where(r => r.Outcome == CallOutcome.Error).ToList();
        var line = $"SIGTERM of 1 of 3 silos (it held {leavingGrains} of {ClusterProcessFixture.UserCount} user grains): exit {exitCode} after {(exitedAt - terminatedAt).TotalSeconds:0.0} s; " +
            $"checks {records.Count}, errors {errors.Count}, wrong {wrong.Count}";
        output.WriteLine(line);
        Console.WriteLine(line);
        foreach (var error in errors.Take(5))
        {
            output.WriteLine("  error: " + error);
        }

        Assert.Equal(0, exitCode);
        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        var outside = errors.Where(e => !e.Overlaps(terminatedAt, exitedAt + TimeSpan.FromSeconds(2))).ToList();
        Assert.True(outside.Count == 0, $"{outside.Count} errors outside the shutdown, e.g.:\n{string.Join("\n", outside.Take(10))}");
        Assert.True(records.Count(r => r.Start > exitedAt + TimeSpan.FromSeconds(2) && r.Outcome == CallOutcome.Correct) > 100, "Too few checks succeeded after the silo left.");
    }

    [Fact]
    public async Task Adding_a_silo_under_load_costs_no_error_and_no_wrong_answer()
    {
        var (_, environment) = await MigratedAsync("perms_add");
        await using var cluster = new SiloSet();
        for (var i = 0; i < 2; i++)
        {
            cluster.Add(await SiloProcess.StartAsync(environment));
        }

        using var channel = new GrpcChannel(cluster[0].HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization);
        await Task.Delay(TimeSpan.FromSeconds(2), Token);
        var joiner = await SiloProcess.StartAsync(environment);
        cluster.Add(joiner);
        await Task.Delay(TimeSpan.FromSeconds(8), Token);
        var records = await load.StopAsync();

        using var http = new HttpClient();
        var onJoiner = OrleansCluster.UserActivations(await http.GetStringAsync(joiner.MetricsAddress, Token));
        var line = $"a third silo added under load: checks {records.Count}, errors {records.Count(r => r.Outcome == CallOutcome.Error)}, wrong {records.Count(r => r.Outcome == CallOutcome.Wrong)}; user grains on the new silo {onJoiner}";
        output.WriteLine(line);
        Console.WriteLine(line);
        Assert.All(records, r => Assert.True(r.Outcome == CallOutcome.Correct, r.ToString()));
        Assert.True(records.Count > 100, "too few checks");
    }

    private async Task<(string Schema, Dictionary<string, string> Environment)> MigratedAsync(string prefix)
    {
        var schema = OrleansCluster.NewSchema(prefix);
        var migrated = await OrleansCluster.MigrateAsync(fixture.OwnerConnectionString, schema);
        Assert.True(migrated.ExitCode == 0, migrated.StandardError);
        return (schema, OrleansCluster.Join(
            new Dictionary<string, string>
            {
                ["Perms__Auth__TokensPath"] = fixture.TokensPath,
                ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
                ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
                ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
                ["Perms__Events__Enabled"] = "false",
            },
            fixture.OwnerConnectionString,
            schema));
    }

    /// <summary>Silo processes disposed (killed) together.</summary>
    private sealed class SiloSet : List<SiloProcess>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var silo in this)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private async Task SweepAsync(SiloProcess silo)
    {
        using var channel = new GrpcChannel(silo.HttpAddress);
        for (var i = 0; i < ClusterProcessFixture.UserCount; i++)
        {
            var response = await channel.CallUnaryAsync(
                CheckPath,
                ClusterProcessFixture.Check(i),
                CheckPermissionResponse.Parser,
                new GrpcCallOptions { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(10) },
                Token);
            Assert.True(ClusterProcessFixture.Verify(i, response) is null, $"{silo}: {ClusterProcessFixture.Verify(i, response)}\n{silo.Output}");
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the silos did not spread the grains over the cluster within 60 s");
            await Task.Delay(500, Token);
        }
    }
}
