using System.Buffers.Text;
using System.Security.Cryptography;
using Npgsql;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;
using Perms.LoadTest.Comparison;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.IntegrationTests.LoadTest;

/// <summary>
/// A small generated dataset as <c>benchmarks/harness.sh</c> builds it, shared by the comparison tests: a fresh
/// database whose tables Better Auth's own migration made (schema <c>loadtest</c>), filled by <c>perms-loadtest
/// generate</c> (500 users, 50 organizations, 1,500 memberships) with its manifest; the real Better Auth server of
/// <c>src/LoadTest/better-auth-server</c> over it; and a silo process (the built <c>Perms.Silo.dll</c>, gateway in
/// process) reading it with a SELECT-only role, the harness policy and one caller token. Disposal stops both
/// processes and drops the database and the role.
/// </summary>
public sealed class CompareFixture : IAsyncLifetime
{
    /// <summary>The schema of the Better Auth tables.</summary>
    public const string Schema = "loadtest";

    private SiloProcess? _silo;
    private string? _directory;
    private string? _database;
    private string? _role;

    /// <summary>A postgres:// URL of a superuser on the dataset's database (Better Auth writes its sessions there).</summary>
    public string DatabaseUrl { get; private set; } = "";

    /// <summary>The manifest <c>generate --manifest</c> wrote.</summary>
    public string ManifestPath { get; private set; } = "";

    /// <summary>The manifest, read back.</summary>
    internal DatasetManifest Manifest { get; private set; } = null!;

    /// <summary>The ground truth over the dataset, with the manifest's policy.</summary>
    internal DatasetModel Model { get; private set; } = null!;

    /// <summary>The running Better Auth server.</summary>
    internal BetterAuthServerProcess BetterAuth { get; private set; } = null!;

    /// <summary>The silo's address, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri SiloAddress => _silo?.HttpAddress ?? new("http://127.0.0.1/");

    /// <summary>A caller token the silo accepts.</summary>
    public string Token { get; private set; } = "";

    /// <summary>Everything the silo printed so far.</summary>
    public string SiloOutput => _silo?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (BetterAuth is { } betterAuth)
        {
            BetterAuth = null!;
            await betterAuth.DisposeAsync();
        }

        if (_silo is { } silo)
        {
            _silo = null;
            await silo.DisposeAsync();
        }

        var (database, directory) = (_database, _directory);
        (_database, _directory) = (null, null);
        await ScratchResources.RemoveAsync(database, _role, directory);
    }

    private async Task StartAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        _database = $"perms_compare_{suffix}";
        _role = $"perms_compare_{suffix}_reader";
        _directory = Directory.CreateTempSubdirectory("perms-compare-").FullName;
        var root = TestEnvironment.RepositoryRoot;
        var policy = Path.Combine(root, "src", "LoadTest", PermissionOracle.HarnessPolicyFileName);
        await using (var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString))
        {
            await admin.CreateCommand($"CREATE DATABASE {_database}").ExecuteNonQueryAsync();
        }

        var owner = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = _database };
        DatabaseUrl = $"postgres://{Uri.EscapeDataString(owner.Username!)}:{Uri.EscapeDataString(owner.Password ?? "")}@{owner.Host}:{owner.Port}/{_database}";

        var migration = await ChildProcess.RunAsync(
            "node",
            ["better-auth-differential.mjs", "--layout", "default", "--schema", Schema, "--migrate-only"],
            Path.Combine(root, "tests", "js"),
            new Dictionary<string, string?> { ["PERMS_TEST_POSTGRES_URL"] = DatabaseUrl },
            TimeSpan.FromMinutes(2));
        if (migration.ExitCode != 0)
        {
            throw new InvalidOperationException($"Better Auth's migration (tests/js) exited with {migration.ExitCode} (is tests/js/node_modules installed? scripts/test runs npm ci):\n{migration.StandardError}");
        }

        ManifestPath = Path.Combine(_directory, DatasetManifest.DefaultFileName);
        var log = new StringWriter();
        var generated = await GenerateCommand.RunAsync(
            ["--connection", owner.ConnectionString, "--schema", Schema, "--users", "500", "--organizations", "50", "--memberships", "1500", "--policy", policy, "--manifest", ManifestPath],
            log,
            log);
        if (generated != 0)
        {
            throw new InvalidOperationException($"generate exited with {generated}:\n{log}");
        }

        var problems = new List<string>();
        Manifest = DatasetManifest.Read(ManifestPath, problems) ?? throw new InvalidOperationException(string.Join("\n", problems));
        Model = DatasetModel.Build(Manifest.Spec, PermissionOracle.Load(Manifest.PolicyPath));

        var readerPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using (var data = NpgsqlDataSource.Create(owner.ConnectionString))
        {
            await data.CreateCommand($"""
                CREATE ROLE {_role} LOGIN PASSWORD '{readerPassword}';
                GRANT USAGE ON SCHEMA {Schema} TO {_role};
                GRANT SELECT ON ALL TABLES IN SCHEMA {Schema} TO {_role};
                """).ExecuteNonQueryAsync();
        }

        var reader = new NpgsqlConnectionStringBuilder(owner.ConnectionString) { Username = _role, Password = readerPassword };
        Token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var tokens = Directory.CreateDirectory(Path.Combine(_directory, "tokens")).FullName;
        var tokenFile = Path.Combine(tokens, "compare-tests");
        await File.WriteAllTextAsync(tokenFile, Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var packageDirectory = BetterAuthServerProcess.FindPackageDirectory(null, out var problem) ?? throw new InvalidOperationException(problem);
        BetterAuth = await BetterAuthServerProcess.StartAsync(packageDirectory, DatabaseUrl, Schema, Manifest.PolicyPath, CancellationToken.None);

        _silo = await SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["Perms__Database__ConnectionString"] = reader.ConnectionString,
            ["Perms__Database__Schema"] = Schema,
            ["Perms__Policy__Path"] = policy,
            ["Perms__Auth__TokensPath"] = tokens,
            ["Perms__Events__Url"] = TestEnvironment.NatsUrl.ToString(),
            ["Perms__Events__SubjectPrefix"] = $"perms-compare-{suffix}.",
            ["Logging__LogLevel__Default"] = "Warning",
        });
    }
}
