using System.Globalization;
using System.Text.RegularExpressions;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>What the tests of real silo processes joined by Orleans' ADO.NET clustering on PostgreSQL share.</summary>
internal static partial class OrleansCluster
{
    /// <summary>The user grains a silo's metrics say it holds (<c>perms_grain_activations_current{grain_type="user"}</c>).</summary>
    public static int UserActivations(string metrics)
    {
        var match = UserGauge().Match(metrics);
        return match.Success ? (int)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The built silo executable.</summary>
    public static string SiloDll => Path.Combine(TestEnvironment.RepositoryRoot, "src", "Silo", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release", "net10.0", "Perms.Silo.dll");

    /// <summary>A fresh membership schema name (its cluster id too, so clusters of different tests never meet).</summary>
    public static string NewSchema(string prefix) => $"{prefix}_{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Runs <c>perms cluster migrate</c> for <paramref name="schema"/>; returns its result.</summary>
    public static Task<ChildProcessResult> MigrateAsync(string connectionString, string schema) =>
        ChildProcess.RunAsync(
            "dotnet",
            [SiloDll, "cluster", "migrate", $"--Perms:Orleans:ConnectionString={connectionString}", $"--Perms:Orleans:Schema={schema}"],
            TestEnvironment.RepositoryRoot,
            new Dictionary<string, string?>(),
            TimeSpan.FromMinutes(1));

    /// <summary>Adds the Orleans clustering of <paramref name="schema"/> to <paramref name="environment"/>: fast failure detection (1 s probes, 2 missed).</summary>
    public static Dictionary<string, string> Join(Dictionary<string, string> environment, string connectionString, string schema)
    {
        environment["Perms__Orleans__Clustering"] = "postgres";
        environment["Perms__Orleans__ConnectionString"] = connectionString;
        environment["Perms__Orleans__Schema"] = schema;
        environment["Perms__Orleans__ClusterId"] = schema;

        // Silos on one machine reach each other on loopback (Orleans would advertise the host's first address).
        environment["Perms__Orleans__AdvertisedAddress"] = "127.0.0.1";
        environment["Perms__Orleans__ProbeTimeout"] = "00:00:01";
        environment["Perms__Orleans__MissedProbesLimit"] = "2";
        return environment;
    }

    [GeneratedRegex("""^perms_grain_activations_current\{grain_type="user"\} (\S+)""", RegexOptions.Multiline)]
    private static partial Regex UserGauge();
}
