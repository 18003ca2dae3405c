using System.Diagnostics;
using Npgsql;
using Perms.Grains.Interfaces.Data;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Generation;

/// <summary><c>perms-loadtest generate</c>: fills a Better Auth schema with a synthetic dataset.</summary>
internal static class GenerateCommand
{
    public const string Usage = """
        usage: perms-loadtest generate --connection CONNSTRING [--schema public] [--layout better-auth-default]
                                       [--users 1000] [--organizations 100] [--memberships 3000] [--seed 42]
                                       [--zipf 0.9] [--replace] [--manifest perms-dataset.json] [--policy FILE]
          The Better Auth tables must exist (Better Auth's migration creates them; see src/LoadTest/README.md).
          --connection   Npgsql connection string of the tables' owner (a superuser makes COPY faster)
          --layout       better-auth-default | plural-snake | use-plural
          --replace      empty the Better Auth tables first (TRUNCATE … CASCADE)
          --manifest     where to write the dataset's manifest (spec, layout, schema, policy), which `run` reads
          --policy       the policy the silo under test runs with (default: src/LoadTest/harness-policy.json)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var options = CommandLine.Parse(args, ["connection", "schema", "layout", "users", "organizations", "memberships", "seed", "zipf", "manifest", "policy"], ["replace"], out var problems);
        var connection = options.GetValueOrDefault("connection") ?? Environment.GetEnvironmentVariable("PERMS_LOADTEST_CONNECTION");
        if (connection is null)
        {
            problems.Add("--connection is required (or set PERMS_LOADTEST_CONNECTION)");
        }

        var spec = new DatasetSpec(
            CommandLine.Int(options, "users", 1000, problems),
            CommandLine.Int(options, "organizations", 100, problems),
            CommandLine.Long(options, "memberships", 3000, problems),
            CommandLine.Int(options, "seed", 42, problems),
            CommandLine.Double(options, "zipf", 0.9, problems));
        problems.AddRange(spec.Validate());
        var preset = options.GetValueOrDefault("layout") ?? TableLayout.BetterAuthDefault;
        var schema = options.GetValueOrDefault("schema") ?? "public";
        var layout = TableLayout.Create(preset, schema, null, null, "--layout/--schema", problems);
        var manifestPath = Path.GetFullPath(options.GetValueOrDefault("manifest") ?? DatasetManifest.DefaultFileName);
        if (!Directory.Exists(Path.GetDirectoryName(manifestPath)))
        {
            problems.Add($"--manifest {manifestPath}: its directory does not exist");
        }

        var policyPath = options.GetValueOrDefault("policy") is { } policyOption ? Path.GetFullPath(policyOption) : PermissionOracle.FindHarnessPolicy();
        if (policyPath is null)
        {
            problems.Add($"--policy is required: {PermissionOracle.HarnessPolicyFileName} was not found beside the program or in src/LoadTest above it");
        }
        else
        {
            try
            {
                PermissionOracle.Load(policyPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                problems.Add($"--policy: {e.Message}");
            }
        }

        if (problems.Count > 0 || layout is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem).ConfigureAwait(false);
            }

            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var builder = new NpgsqlConnectionStringBuilder(connection) { NoResetOnClose = true, CommandTimeout = 0 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await new DatasetGenerator(dataSource, layout, output).GenerateAsync(spec, options.ContainsKey("replace"), CancellationToken.None).ConfigureAwait(false);
            var manifest = new DatasetManifest(spec, preset, schema, policyPath!, DateTimeOffset.UtcNow, stopwatch.Elapsed);
            await manifest.WriteAsync(manifestPath, CancellationToken.None).ConfigureAwait(false);
            await output.WriteLineAsync($"manifest: {manifestPath}").ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or NpgsqlException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"generate failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
