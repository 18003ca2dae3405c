using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Perms.Api.V1;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>The cluster process tests kill processes and measure time windows: they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    public const string Name = "cluster processes";
}

/// <summary>
/// The data of the cluster tests, shared by the test class: a fresh database whose Better Auth tables Better Auth's own
/// migration created (tests/js/better-auth-differential.mjs --migrate-only, schema <see cref="Schema"/>), seeded with
/// <see cref="UserCount"/> users <c>u-000</c>… in one organization <see cref="OrganizationId"/>, user <c>i</c> an
/// <c>admin</c> when <c>i % 3 == 0</c> and a <c>member</c> otherwise, so that the right answer to every check is
/// computable from the id (<see cref="Verify"/>); a SELECT-only role and a caller token. Each test
/// starts its own silo processes over it (its own Orleans membership schema and cluster id, so clusters never see each
/// other: <see cref="OrleansCluster"/>). Disposal drops the database and the role.
/// </summary>
public sealed class ClusterProcessFixture : IAsyncLifetime
{
    /// <summary>The schema of the Better Auth tables.</summary>
    public const string Schema = "auth";

    /// <summary>How many users the organization has.</summary>
    public const int UserCount = 300;

    /// <summary>The one organization.</summary>
    public const string OrganizationId = "org-0";

    /// <summary>The caller's service name (the token's file name).</summary>
    public const string CallerName = "cluster-tests";

    private string? _directory;
    private string? _database;
    private string? _role;

    /// <summary>Npgsql connection string of the superuser on this database (the membership table's owner too).</summary>
    internal string OwnerConnectionString { get; private set; } = "";

    /// <summary>Npgsql connection string of the SELECT-only role the silos read Better Auth's tables with.</summary>
    internal string ReaderConnectionString { get; private set; } = "";

    /// <summary>The caller token directory (Perms:Auth:TokensPath).</summary>
    internal string TokensPath { get; private set; } = "";

    /// <summary>The caller token.</summary>
    internal string CallerToken { get; private set; } = "";


    /// <summary>Better Auth's default roles (policies/better-auth-default.json).</summary>
    internal static string PolicyPath => Path.Combine(TestEnvironment.RepositoryRoot, "policies", "better-auth-default.json");

    /// <summary><c>authorization</c> metadata with the caller token.</summary>
    internal KeyValuePair<string, string> CallerAuthorization => new("authorization", $"Bearer {CallerToken}");

    /// <summary><c>authorization</c> metadata with the cluster token (the internal API).</summary>

    /// <summary>User <paramref name="i"/>'s id.</summary>
    internal static string UserId(int i) => $"u-{i.ToString("D3", CultureInfo.InvariantCulture)}";

    /// <summary>User <paramref name="i"/>'s role in the organization.</summary>
    internal static string RoleOf(int i) => i % 3 == 0 ? "admin" : "member";

    /// <summary>The check every test makes: may user <paramref name="i"/> update the organization (admins may, members may not).</summary>
    internal static CheckPermissionRequest Check(int i) => new()
    {
        UserId = UserId(i),
        OrganizationId = OrganizationId,
        Permissions = { ["organization"] = new Actions { Actions_ = { "update" } } },
        Explain = true,
    };

    /// <summary>Null when <paramref name="response"/> is the right answer to <see cref="Check"/>(<paramref name="i"/>), else what is wrong.</summary>
    internal static string? Verify(int i, CheckPermissionResponse response)
    {
        var admin = i % 3 == 0;
        var reason = admin ? Reason.Allowed : Reason.NoRoleGrants;
        var grantedBy = admin ? "admin" : "";
        if (response.Allowed == admin && response.Reason == reason && response.GrantedByRole == grantedBy &&
            response.MemberRoles.Count == 1 && response.MemberRoles[0] == RoleOf(i))
        {
            return null;
        }

        return $"{UserId(i)} ({RoleOf(i)}): expected allowed={admin} reason={reason} granted_by_role='{grantedBy}' member_roles=[{RoleOf(i)}], got {response}";
    }

    public async ValueTask InitializeAsync()
    {
        try
        {
            await CreateAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var (database, directory) = (_database, _directory);
        (_database, _directory) = (null, null);
        await ScratchResources.RemoveAsync(database, _role, directory);
    }

    private async Task CreateAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        _database = $"perms_cluster_{suffix}";
        _role = $"perms_cluster_{suffix}_reader";
        _directory = Directory.CreateTempSubdirectory("perms-cluster-").FullName;
        await using (var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString))
        {
            await admin.CreateCommand($"CREATE DATABASE {_database}").ExecuteNonQueryAsync();
        }

        var owner = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = _database };
        OwnerConnectionString = owner.ConnectionString;
        var url = $"postgres://{Uri.EscapeDataString(owner.Username!)}:{Uri.EscapeDataString(owner.Password ?? "")}@{owner.Host}:{owner.Port}/{_database}";

        var migration = await ChildProcess.RunAsync(
            "node",
            ["better-auth-differential.mjs", "--layout", "default", "--schema", Schema, "--migrate-only"],
            Path.Combine(TestEnvironment.RepositoryRoot, "tests", "js"),
            new Dictionary<string, string?> { ["PERMS_TEST_POSTGRES_URL"] = url },
            TimeSpan.FromMinutes(2));
        if (migration.ExitCode != 0)
        {
            throw new InvalidOperationException($"Better Auth's migration (tests/js) exited with {migration.ExitCode} (is tests/js/node_modules installed? scripts/test runs npm ci):\n{migration.StandardError}");
        }

        var readerPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using (var data = NpgsqlDataSource.Create(OwnerConnectionString))
        {
            await data.CreateCommand($"""
                INSERT INTO {Schema}.organization (id, name, slug, "createdAt") VALUES ('{OrganizationId}', 'Cluster test organization', 'cluster-test', now());
                INSERT INTO {Schema}."user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
                    SELECT 'u-' || lpad(i::text, 3, '0'), 'User ' || i, 'u' || i || '@cluster.test', true, now(), now()
                    FROM generate_series(0, {UserCount - 1}) AS i;
                INSERT INTO {Schema}.member (id, "organizationId", "userId", role, "createdAt")
                    SELECT 'm-' || lpad(i::text, 3, '0'), '{OrganizationId}', 'u-' || lpad(i::text, 3, '0'),
                           CASE WHEN i % 3 = 0 THEN 'admin' ELSE 'member' END, now()
                    FROM generate_series(0, {UserCount - 1}) AS i;
                CREATE ROLE {_role} LOGIN PASSWORD '{readerPassword}';
                GRANT USAGE ON SCHEMA {Schema} TO {_role};
                GRANT SELECT ON ALL TABLES IN SCHEMA {Schema} TO {_role};
                """).ExecuteNonQueryAsync();
        }

        ReaderConnectionString = new NpgsqlConnectionStringBuilder(OwnerConnectionString) { Username = _role, Password = readerPassword }.ConnectionString;

        CallerToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        TokensPath = Directory.CreateDirectory(Path.Combine(_directory, "tokens")).FullName;
        var tokenFile = Path.Combine(TokensPath, CallerName);
        await File.WriteAllTextAsync(tokenFile, CallerToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
