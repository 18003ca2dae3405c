using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>
/// A real silo process (the built <c>Perms.Silo.dll</c>, run from its output folder as in a container) on a free
/// loopback port, with only the configuration it is given (nothing inherited from the developer's shell), its output
/// captured, and started only once its health check answers SERVING. Disposal kills the process tree.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private Process? _process;

    private SiloProcess()
    {
    }

    /// <summary>The port the silo listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The endpoint as an http:// address for <see cref="GrpcChannel"/>.</summary>
    public Uri HttpAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Everything the silo printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the silo with <paramref name="environment"/> (<c>Perms__…</c> variables; the address and port are added)
    /// and returns once it is SERVING. A free port can be taken by someone else before the silo binds it: another one
    /// is tried then.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var siloDll = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Silo", "bin", configuration, "net10.0", "Perms.Silo.dll");
        if (!File.Exists(siloDll))
        {
            throw new InvalidOperationException($"{siloDll} does not exist: build the solution first (dotnet build Perms.sln -c {configuration}; scripts/test does).");
        }

        var silo = new SiloProcess();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                silo.Port = FreePort();
                var variables = new Dictionary<string, string>(environment)
                {
                    ["Perms__Server__Address"] = "127.0.0.1",
                    ["Perms__Server__Port"] = silo.Port.ToString(CultureInfo.InvariantCulture),
                    ["DOTNET_NOLOGO"] = "1",
                    ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                };
                silo.Start(siloDll, variables);
                if (await silo.WaitUntilServingAsync())
                {
                    return silo;
                }

                if (attempt < 3 && silo.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                throw new InvalidOperationException($"The silo exited with {silo._process!.ExitCode} before serving. Its output:\n{silo.Output}");
            }
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or it will be when the test host exits; fixtures drop their databases WITH (FORCE) anyway.
        }

        process.Dispose();
    }

    private void Start(string siloDll, Dictionary<string, string> environment)
    {
        _process?.Dispose();
        lock (_output)
        {
            _output.Clear();
        }

        // From its output directory, as in a container: appsettings.json is read from the working directory.
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
        _process = process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>True once a health check answers SERVING; false when the process exits first; throws after <see cref="StartTimeout"/>.</summary>
    private async Task<bool> WaitUntilServingAsync()
    {
        using var channel = new GrpcChannel(HttpAddress);
        var started = Stopwatch.StartNew();
        var last = "no answer yet";
        while (started.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
            {
                _process.WaitForExit(); // drains the output events
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

        throw new TimeoutException($"The silo did not answer SERVING within {StartTimeout.TotalSeconds} s (last: {last}). Its output:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
