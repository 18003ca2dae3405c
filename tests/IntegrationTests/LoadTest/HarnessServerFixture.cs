using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.IntegrationTests.LoadTest;

/// <summary>
/// The load-test harness's set-up at small scale: a fresh database whose Better Auth tables Better Auth's own migration
/// creates (tests/js/better-auth-differential.mjs --migrate-only, schema <see cref="Schema"/>), filled by
/// <c>perms-loadtest generate</c> (2,000 users, 200 organizations, 6,000 memberships) with its manifest, and a silo
/// process over it with the harness policy, subscribed to the shared nats-server.
/// </summary>
public sealed class HarnessServerFixture : IAsyncLifetime
{
    /// <summary>The PostgreSQL schema of the tables (Better Auth's migration refuses the public schema).</summary>
    public const string Schema = "harness";

    private PermsServerFixture? _server;

    /// <summary>The silo.</summary>
    public PermsServerFixture Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>The manifest <c>generate</c> wrote.</summary>
    public string ManifestPath { get; private set; } = "";

    /// <summary>What <c>generate</c> printed.</summary>
    public string GenerateOutput { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _server = new PermsServerFixture(() => TestEnvironment.NatsUrl, new Dictionary<string, string>(), Schema, SeedAsync);
        await _server.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<string> SeedAsync(PermsServerFixture server, string directory)
    {
        var root = TestEnvironment.RepositoryRoot;
        var migration = await ChildProcess.RunAsync(
            "node",
            ["better-auth-differential.mjs", "--layout", "default", "--schema", Schema, "--migrate-only"],
            Path.Combine(root, "tests", "js"),
            new Dictionary<string, string?> { ["PERMS_TEST_POSTGRES_URL"] = server.DatabaseUrl },
            TimeSpan.FromMinutes(2));
        if (migration.ExitCode != 0)
        {
            throw new InvalidOperationException($"Better Auth's migration (tests/js/better-auth-differential.mjs --migrate-only) exited with {migration.ExitCode}:\n{migration.StandardError}");
        }

        var policy = PermissionOracle.FindHarnessPolicy() ?? throw new InvalidOperationException("src/LoadTest/harness-policy.json not found");
        ManifestPath = Path.Combine(directory, DatasetManifest.DefaultFileName);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GenerateCommand.RunAsync(
            ["--connection", server.SuperuserConnectionString, "--schema", Schema, "--users", "2000", "--organizations", "200", "--memberships", "6000", "--policy", policy, "--manifest", ManifestPath],
            output,
            error);
        GenerateOutput = output.ToString();
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"perms-loadtest generate exited with {exitCode}:\n{error}\n{output}");
        }

        return policy;
    }
}
