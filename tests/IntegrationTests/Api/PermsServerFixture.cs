using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Perms.Grpc;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Api;

/// <summary>
/// A real silo process (the built <c>Perms.Silo.dll</c>, gateway in process) serving the demo data, as
/// <c>scripts/run-demo</c> sets it up: a fresh database whose tables, users (alice, bob, carol, dave, erin) and
/// organizations (acme, globex) Better Auth itself made through <c>demo/seed.mjs</c>, the app's policy exported by
/// the same script, a SELECT-only database role, and one caller token in a tokens directory. Each test class that uses
/// it gets its own database and process; disposal kills the process tree and drops the database and the role.
/// </summary>
public sealed class PermsServerFixture : IAsyncLifetime
{
    /// <summary>The service name of the caller token (the file name in the tokens directory).</summary>
    public const string CallerName = "interop-client";

    private readonly Func<Uri> _natsUrl;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _schema = "public";
    private readonly Func<PermsServerFixture, string, Task<string>>? _seed;
    private readonly ConcurrentDictionary<string, Lazy<Task<JsonElement>>> _clientRuns = new(StringComparer.Ordinal);
    private SiloProcess? _silo;
    private string? _directory;
    private string? _database;
    private string? _role;

    /// <summary>A silo subscribed to the shared nats-server of the test run, with its own subject prefix.</summary>
    public PermsServerFixture()
        : this(() => TestEnvironment.NatsUrl, new Dictionary<string, string>())
    {
    }

    /// <summary>A silo subscribed to <paramref name="natsUrl"/>, with extra configuration (<c>Perms__…</c> variables).</summary>
    internal PermsServerFixture(Func<Uri> natsUrl, IReadOnlyDictionary<string, string> settings)
    {
        _natsUrl = natsUrl;
        _settings = settings;
    }

    /// <summary>
    /// A silo over data of the caller's making instead of the demo's: <paramref name="seed"/> gets the fixture (its
    /// <see cref="SuperuserConnectionString"/> and <see cref="DatabaseUrl"/> are set, on an empty database) and a
    /// private directory, fills tables in <paramref name="schema"/>, and returns the policy file the silo runs with.
    /// <see cref="Users"/> and <see cref="Organizations"/> stay empty.
    /// </summary>
    internal PermsServerFixture(Func<Uri> natsUrl, IReadOnlyDictionary<string, string> settings, string schema, Func<PermsServerFixture, string, Task<string>> seed)
        : this(natsUrl, settings)
    {
        _schema = schema;
        _seed = seed;
    }

    /// <summary>The subject prefix of this fixture's silo (so that fixtures running side by side never see each other's events).</summary>
    public string SubjectPrefix { get; private set; } = "";

    /// <summary>The NATS server the silo subscribes to.</summary>
    public Uri NatsUrl => _natsUrl();

    /// <summary>A postgres:// URL of a superuser on the demo database (for Better Auth on the Node side).</summary>
    public string DatabaseUrl { get; private set; } = "";

    /// <summary>host:port of the gRPC endpoint (h2c on 127.0.0.1).</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The endpoint as an http:// address for <see cref="GrpcChannel"/>.</summary>
    public Uri HttpAddress => new($"http://{Address}");

    /// <summary>The port the silo listens on.</summary>
    public int Port => _silo?.Port ?? 0;

    /// <summary>The silo's Prometheus endpoint (GET /metrics on its own port).</summary>
    public Uri MetricsAddress => _silo?.MetricsAddress ?? throw new InvalidOperationException("The silo has not started.");

    /// <summary>The caller token (43 characters, base64url of 32 random bytes).</summary>
    public string Token { get; private set; } = "";

    /// <summary>demo/seed.mjs' output: <c>{"users":{"alice":id,…},"organizations":{"acme":id,"globex":id}}</c>.</summary>
    public string IdsJson { get; private set; } = "";

    /// <summary>Demo user name → Better Auth user id.</summary>
    public IReadOnlyDictionary<string, string> Users { get; private set; } = new Dictionary<string, string>();

    /// <summary>Demo organization name → Better Auth organization id.</summary>
    public IReadOnlyDictionary<string, string> Organizations { get; private set; } = new Dictionary<string, string>();

    /// <summary>A superuser connection string to the demo database (for tests that lock tables).</summary>
    public string SuperuserConnectionString { get; private set; } = "";

    /// <summary>When the demo data was written; every state_as_of must be later.</summary>
    public DateTimeOffset SeededAt { get; private set; }

    /// <summary>Everything the silo printed so far (stdout and stderr interleaved).</summary>
    public string SiloOutput => _silo?.Output ?? "";

    /// <summary>The <c>authorization</c> metadata with the caller token.</summary>
    public KeyValuePair<string, string> Authorization => new("authorization", $"Bearer {Token}");

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
        _database = $"perms_interop_{suffix}";
        _role = $"perms_interop_{suffix}_reader";
        _directory = Directory.CreateTempSubdirectory("perms-interop-").FullName;
        var root = TestEnvironment.RepositoryRoot;
        await using (var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString))
        {
            await admin.CreateCommand($"CREATE DATABASE {_database}").ExecuteNonQueryAsync();
        }

        var superuser = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = _database, Pooling = false };
        SuperuserConnectionString = superuser.ConnectionString;

        var url = $"postgres://{Uri.EscapeDataString(superuser.Username!)}:{Uri.EscapeDataString(superuser.Password ?? "")}@{superuser.Host}:{superuser.Port}/{_database}";
        DatabaseUrl = url;
        SubjectPrefix = $"perms-test-{suffix}.";
        var policyPath = _seed is null ? await SeedDemoAsync(root, url) : await _seed(this, _directory);
        SeededAt = DateTimeOffset.UtcNow;

        // Perms reads with a SELECT-only role, as in production.
        var readerPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using (var demo = NpgsqlDataSource.Create(SuperuserConnectionString))
        {
            await demo.CreateCommand($"""
                CREATE ROLE {_role} LOGIN PASSWORD '{readerPassword}';
                GRANT USAGE ON SCHEMA {_schema} TO {_role};
                GRANT SELECT ON ALL TABLES IN SCHEMA {_schema} TO {_role};
                """).ExecuteNonQueryAsync();
        }

        var reader = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = _database, Username = _role, Password = readerPassword };

        Token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var tokens = Directory.CreateDirectory(Path.Combine(_directory, "tokens")).FullName;
        var tokenFile = Path.Combine(tokens, CallerName);
        await File.WriteAllTextAsync(tokenFile, Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var environment = new Dictionary<string, string>
        {
            ["Perms__Database__ConnectionString"] = reader.ConnectionString,
            ["Perms__Policy__Path"] = policyPath,
            ["Perms__Auth__TokensPath"] = tokens,
            ["Perms__Events__Url"] = NatsUrl.ToString(),
            ["Perms__Events__SubjectPrefix"] = SubjectPrefix,
        };
        if (_seed is not null)
        {
            environment["Perms__Database__Schema"] = _schema;
        }

        foreach (var (name, value) in _settings)
        {
            environment[name] = value;
        }

        _silo = await SiloProcess.StartAsync(environment);
    }

    /// <summary>Better Auth creates its tables and the demo rows (demo/seed.mjs); the script prints the ids and writes the policy.</summary>
    private async Task<string> SeedDemoAsync(string root, string url)
    {
        var policyPath = Path.Combine(_directory!, "policy.json");
        var seed = await ChildProcess.RunAsync(
            "node",
            [Path.Combine(root, "demo", "seed.mjs"), "--policy-out", policyPath],
            root,
            new Dictionary<string, string?> { ["DATABASE_URL"] = url },
            TimeSpan.FromMinutes(2));
        if (seed.ExitCode != 0)
        {
            throw new InvalidOperationException($"node demo/seed.mjs exited with {seed.ExitCode} (is demo/node_modules installed? scripts/test runs npm ci):\n{seed.StandardError}");
        }

        IdsJson = seed.StandardOutput.Trim();
        using (var ids = JsonDocument.Parse(IdsJson))
        {
            Users = ids.RootElement.GetProperty("users").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Organizations = ids.RootElement.GetProperty("organizations").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }

        return policyPath;
    }

    /// <summary>
    /// Runs an interop client script once per fixture (later calls share the first run): <c>node</c>
    /// (tests/js/interop.mjs) or <c>python</c> (tests/python/interop.py), making every call; returns its <c>results</c>.
    /// </summary>
    internal Task<JsonElement> EveryCallAsync(string client) =>
        _clientRuns.GetOrAdd(client, c => new Lazy<Task<JsonElement>>(() => InteropClient.RunAsync(this, c, []))).Value;

    /// <summary>A channel to the silo with the repository's own gRPC client.</summary>
    internal GrpcChannel CreateChannel() => new(HttpAddress);
}
