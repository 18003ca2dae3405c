using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Grpc.Health.V1;
using Npgsql;
using Perms.Grpc;
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

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _siloOutput = new();
    private Process? _silo;
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
    public Uri SiloAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A caller token the silo accepts.</summary>
    public string Token { get; private set; } = "";

    /// <summary>Everything the silo printed so far.</summary>
    public string SiloOutput
    {
        get
        {
            lock (_siloOutput)
            {
                return _siloOutput.ToString();
            }
        }
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";

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
            try
            {
                if (!silo.HasExited)
                {
                    silo.Kill(entireProcessTree: true);
                }

                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await silo.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // Already gone; the database is dropped WITH (FORCE) anyway.
            }

            silo.Dispose();
        }

        if (_database is { } database)
        {
            _database = null;
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
            await admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE); DROP ROLE IF EXISTS {_role};").ExecuteNonQueryAsync();
        }

        if (_directory is { } directory)
        {
            _directory = null;
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private async Task StartAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        _database = $"perms_compare_{suffix}";
        _role = $"perms_compare_{suffix}_reader";
        _directory = Directory.CreateTempSubdirectory("perms-compare-").FullName;
        var root = TestEnvironment.RepositoryRoot;
        var policy = Path.Combine(root, "src", "LoadTest", PermissionOracle.HarnessPolicyFileName);
        var siloDll = Path.Combine(root, "src", "Silo", "bin", Configuration, "net10.0", "Perms.Silo.dll");
        if (!File.Exists(siloDll))
        {
            throw new InvalidOperationException($"{siloDll} does not exist: build the solution first (dotnet build Perms.sln -c {Configuration}; scripts/test does).");
        }

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

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            SiloAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            StartSilo(siloDll, new Dictionary<string, string>
            {
                ["Perms__Database__ConnectionString"] = reader.ConnectionString,
                ["Perms__Database__Schema"] = Schema,
                ["Perms__Policy__Path"] = policy,
                ["Perms__Auth__TokensPath"] = tokens,
                ["Perms__Server__Address"] = "127.0.0.1",
                ["Perms__Server__Port"] = port.ToString(CultureInfo.InvariantCulture),
                ["Perms__Events__Url"] = TestEnvironment.NatsUrl.ToString(),
                ["Perms__Events__SubjectPrefix"] = $"perms-compare-{suffix}.",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            });
            if (await WaitUntilServingAsync())
            {
                return;
            }

            if (attempt < 3 && SiloOutput.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            throw new InvalidOperationException($"The silo exited with {_silo!.ExitCode} before serving. Its output:\n{SiloOutput}");
        }
    }

    private void StartSilo(string siloDll, Dictionary<string, string> environment)
    {
        _silo?.Dispose();
        lock (_siloOutput)
        {
            _siloOutput.Clear();
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(siloDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(siloDll);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Perms__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("dotnet could not be started");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _silo = process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_siloOutput)
        {
            _siloOutput.AppendLine(line);
        }
    }

    private async Task<bool> WaitUntilServingAsync()
    {
        using var channel = new GrpcChannel(SiloAddress);
        var started = Stopwatch.StartNew();
        var last = "no answer yet";
        while (started.Elapsed < StartTimeout)
        {
            if (_silo!.HasExited)
            {
                _silo.WaitForExit();
                return false;
            }

            try
            {
                var health = await channel.CallUnaryAsync(
                    "/grpc.health.v1.Health/Check",
                    new HealthCheckRequest(),
                    HealthCheckResponse.Parser,
                    new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(1) });
                if (health.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return true;
                }

                last = $"status {health.Status}";
            }
            catch (Exception e) when (e is GrpcStatusException or HttpRequestException or IOException or OperationCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The silo did not answer SERVING within {StartTimeout.TotalSeconds} s (last: {last}). Its output:\n{SiloOutput}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
