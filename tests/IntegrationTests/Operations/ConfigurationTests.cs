using System.Diagnostics;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// The built processes' configuration handling, run as an operator runs them: every invalid option reported at once
/// (each naming its key) with exit code 2 before anything starts, and <c>--print-config</c> showing the effective values
/// with secrets masked.
/// </summary>
public sealed class ConfigurationTests
{
    private const string DatabasePassword = "db-password-that-must-not-show";
    private const string ClusterToken = "membership-password-that-must-not-show-0123";
    private const string NatsPassword = "nats-password-that-must-not-show";

    private static string Dll(string project, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        return Path.Combine(TestEnvironment.RepositoryRoot, "src", project, "bin", configuration, "net10.0", assembly);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Perms__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task A_silo_with_several_invalid_options_names_every_one_and_exits_2_without_starting()
    {
        var (exitCode, output, error) = await RunAsync(
            Dll("Silo", "Perms.Silo.dll"),
            $"--Perms:Database:ConnectionString=Host=db;Username=perms;Password={DatabasePassword}",
            "--Perms:Server:Port=70000",
            "--Perms:Metrics:Port=0",
            "--Perms:Grains:User:MaxStaleness=-00:00:01",
            "--Perms:Events:QueueCapacity=0",
            "--Perms:Orleans:Clustering=postgres",
            "--Perms:Orleans:SiloPort=0",
            "--Perms:Auth:Mode=Tokens");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("perms: the configuration is invalid:", error, StringComparison.Ordinal);
        foreach (var key in new[] { "Perms:Server:Port", "Perms:Metrics:Port", "Perms:Grains:User:MaxStaleness", "Perms:Events:QueueCapacity", "Perms:Orleans:ConnectionString", "Perms:Orleans:SiloPort", "Perms:Auth:TokensPath" })
        {
            Assert.Contains("  " + key, error, StringComparison.Ordinal);
        }

        // One line per failure, none twice; nothing started (no listening, no log of the host).
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(lines.Count, lines.Distinct().Count());
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.DoesNotContain(DatabasePassword, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_config_shows_the_effective_silo_configuration_with_secrets_masked()
    {
        var (exitCode, output, error) = await RunAsync(
            Dll("Silo", "Perms.Silo.dll"),
            "--print-config",
            $"--Perms:Database:ConnectionString=Host=db;Username=perms;Password={DatabasePassword}",
            $"--Perms:Events:Url=nats://perms:{NatsPassword}@nats-1:4222,nats://nats-2:4222",
            "--Perms:Orleans:Clustering=postgres",
            $"--Perms:Orleans:ConnectionString=Host=db;Username=perms_cluster;Password={ClusterToken}",
            "--Perms:Server:Address=10.0.0.7",
            "--Perms:Auth:Mode=Development");

        Assert.True(exitCode == 0, error);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(" = ", 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].TrimEnd('\r'));

        // Masked.
        Assert.Equal("Host=db;Username=perms;Password=***", values["Perms:Database:ConnectionString"]);
        Assert.Equal("nats://***@nats-1:4222,nats://nats-2:4222", values["Perms:Events:Url"]);
        Assert.Equal("Host=db;Username=perms_cluster;Password=***", values["Perms:Orleans:ConnectionString"]);
        Assert.DoesNotContain(DatabasePassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(NatsPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(ClusterToken, output, StringComparison.Ordinal);

        // Effective: defaults, given values and derived ones.
        Assert.Equal("00:05:00", values["Perms:Grains:User:MaxStaleness"]);
        Assert.Equal("00:00:20", values["Perms:Server:DrainTimeout"]);
        Assert.Equal("9464", values["Perms:Metrics:Port"]);
        Assert.Equal("postgres", values["Perms:Orleans:Clustering"]);
        Assert.Equal("11111", values["Perms:Orleans:SiloPort"]);
        Assert.Equal("perms_orleans", values["Perms:Orleans:Schema"]);
    }

    [Fact]
    public async Task Values_of_the_wrong_type_are_reported_with_the_other_failures_not_as_a_crash()
    {
        var silo = Dll("Silo", "Perms.Silo.dll");
        string[] arguments = ["--Perms:Server:DrainTimeout=20s", "--Perms:Metrics:Port=abc", "--Perms:Events:QueueCapacity=0", "--Perms:Auth:Mode=Development"];

        var (exitCode, _, error) = await RunAsync(silo, arguments);
        var (printExitCode, printed, _) = await RunAsync(silo, ["--print-config", .. arguments]);

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
        Assert.Contains("'Perms:Server:DrainTimeout'", error, StringComparison.Ordinal);
        Assert.Contains("'Perms:Metrics:Port'", error, StringComparison.Ordinal);
        Assert.Contains("  Perms:Events:QueueCapacity", error, StringComparison.Ordinal);
        Assert.Equal(2, printExitCode);
        Assert.Contains("Perms:Server:DrainTimeout = 20s", printed, StringComparison.Ordinal);
        Assert.Contains("'Perms:Metrics:Port'", printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Perms:Server:Port")]
    [InlineData("Perms:Metrics:Port")]
    [InlineData("Perms:Orleans:SiloPort")]
    public async Task A_port_already_in_use_is_one_line_naming_the_key_and_exit_code_2(string key)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var free = new Dictionary<string, int>
        {
            ["Perms:Server:Port"] = FreePort(),
            ["Perms:Metrics:Port"] = FreePort(),
            ["Perms:Orleans:SiloPort"] = FreePort(),
        };
        free[key] = port;

        var (exitCode, output, error) = await RunAsync(
            Dll("Silo", "Perms.Silo.dll"),
            [
                "--Perms:Database:ConnectionString=Host=127.0.0.1;Port=1;Username=perms;Password=x",
                "--Perms:Auth:Mode=Development",
                "--Perms:Events:Enabled=false",
                .. free.Select(p => $"--{p.Key}={p.Value}"),
            ]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"perms: {key} = {port}: the port is already in use on 0.0.0.0 (another process listens there)", error.Trim());
        Assert.DoesNotContain("SERVING", output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
