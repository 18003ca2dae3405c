using System.Globalization;
using System.Text.RegularExpressions;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>
/// Silo processes joined by Orleans' ADO.NET clustering on PostgreSQL, in a schema that <c>perms cluster migrate</c>
/// created: the migration is idempotent, the silos form one cluster, and a check arriving on any silo reaches the
/// user's grain wherever Orleans placed it.
/// </summary>
public sealed partial class OrleansClusterTests(ClusterProcessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterProcessFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string SiloDll => Path.Combine(TestEnvironment.RepositoryRoot, "src", "Silo", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release", "net10.0", "Perms.Silo.dll");

    [Fact]
    public async Task The_migration_is_idempotent_and_silos_on_postgres_form_one_cluster_that_answers_on_every_silo()
    {
        var schema = "perms_orleans_" + Guid.NewGuid().ToString("N")[..8];
        string[] migrate = ["cluster", "migrate", $"--Perms:Orleans:ConnectionString={fixture.OwnerConnectionString}", $"--Perms:Orleans:Schema={schema}"];
        for (var run = 1; run <= 2; run++)
        {
            var result = await ChildProcess.RunAsync("dotnet", [SiloDll, .. migrate], TestEnvironment.RepositoryRoot, new Dictionary<string, string?>(), TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, $"perms cluster migrate (run {run}) exited with {result.ExitCode}:\n{result.StandardError}");
            Assert.Contains($"schema \"{schema}\"", result.StandardOutput, StringComparison.Ordinal);
        }

        var environment = new Dictionary<string, string>
        {
            ["Perms__Auth__TokensPath"] = fixture.TokensPath,
            ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
            ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
            ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
            ["Perms__Events__Enabled"] = "false",
            ["Perms__Orleans__Clustering"] = "postgres",
            ["Perms__Orleans__ConnectionString"] = fixture.OwnerConnectionString,
            ["Perms__Orleans__Schema"] = schema,
            ["Perms__Orleans__ClusterId"] = schema,
            ["Perms__Orleans__ProbeTimeout"] = "00:00:01",
            ["Perms__Orleans__MissedProbesLimit"] = "2",
        };
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
                    spread.Add(UserActivations(await http.GetStringAsync(silo.MetricsAddress, Token)));
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

    private static int UserActivations(string metrics)
    {
        var match = UserGauge().Match(metrics);
        return match.Success ? (int)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex("""^perms_grain_activations_current\{grain_type="user"\} (\S+)""", RegexOptions.Multiline)]
    private static partial Regex UserGauge();
}
