using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>One line a <see cref="SiloProcess"/> printed, with the (UTC) time the test process read it.</summary>
internal readonly record struct OutputLine(DateTime At, string Text);

/// <summary>
/// A real silo process (the built <c>Perms.Silo.dll</c>), run
/// from its output folder as in a container, on a free loopback port, with only the configuration it is given (nothing
/// inherited from the developer's shell), its output captured line by line with the time each line arrived, and
/// started only once its health check answers SERVING. It can be killed with SIGKILL (<see cref="Kill"/>) and started
/// again on the same port (<see cref="RestartAsync"/>). Disposal kills the process tree.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly List<OutputLine> _lines = [];
    private readonly string _dll;
    private readonly string _name;
    private Dictionary<string, string> _variables = [];
    private Process? _process;
    private bool _disposed;

    private SiloProcess(string dll, string name)
    {
        _dll = dll;
        _name = name;
    }

    /// <summary>The port the process listens on.</summary>
    public int Port { get; private set; }

    /// <summary>
    /// The port of its Prometheus endpoint (GET /metrics): <c>Perms__Metrics__Port</c> when the environment sets it,
    /// else a free port of its own (the default 9464 would collide between processes of one test run).
    /// </summary>
    public int MetricsPort { get; private set; }

    /// <summary>The metrics endpoint, <c>http://127.0.0.1:PORT/metrics</c>.</summary>
    public Uri MetricsAddress => new($"http://127.0.0.1:{MetricsPort.ToString(CultureInfo.InvariantCulture)}/metrics");

    /// <summary><c>127.0.0.1:PORT</c>: the address other processes reach it at (a silo's default <c>Perms:Cluster:Self</c>).</summary>
    public string Address => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The endpoint as an http:// address for <see cref="GrpcChannel"/>.</summary>
    public Uri HttpAddress => new($"http://{Address}");

    /// <summary>True while the process runs (false once killed, before a restart).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the process printed so far (stdout and stderr interleaved, across restarts).</summary>
    public string Output
    {
        get
        {
            var text = new StringBuilder();
            foreach (var line in Lines)
            {
                text.AppendLine(line.Text);
            }

            return text.ToString();
        }
    }

    /// <summary>A snapshot of the lines printed so far, in order.</summary>
    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>How many lines were printed so far (a mark for the <c>fromLine</c> of <c>WaitForOutputAsync</c>).</summary>
    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>
    /// Starts a silo with <paramref name="environment"/> (<c>Perms__…</c> variables; the address and port are added)
    /// and returns once it is SERVING. A free port can be taken by someone else before the silo binds it: another one
    /// is tried then.
    /// </summary>
    public static Task<SiloProcess> StartAsync(IReadOnlyDictionary<string, string> environment) =>
        StartAsync("Silo", "Perms.Silo.dll", "silo", environment);

    private static async Task<SiloProcess> StartAsync(string project, string dllName, string name, IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "src", project, "bin", configuration, "net10.0", dllName);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build the solution first (dotnet build Perms.sln -c {configuration}; scripts/test does).");
        }

        var server = new SiloProcess(dll, name);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                server.MetricsPort = environment.TryGetValue("Perms__Metrics__Port", out var metricsPort)
                    ? int.Parse(metricsPort, CultureInfo.InvariantCulture)
                    : FreePort();
                server._variables = new Dictionary<string, string>(environment)
                {
                    ["Perms__Metrics__Port"] = server.MetricsPort.ToString(CultureInfo.InvariantCulture),
                    ["Perms__Server__Address"] = "127.0.0.1",
                    ["Perms__Server__Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
                    // Orleans' silo port too: silos of parallel tests must not meet on the default 11111.
                    ["Perms__Orleans__SiloPort"] = environment.TryGetValue("Perms__Orleans__SiloPort", out var siloPort) ? siloPort : FreePort().ToString(CultureInfo.InvariantCulture),
                    ["DOTNET_NOLOGO"] = "1",
                    ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                };
                lock (server._lines)
                {
                    server._lines.Clear();
                }

                server.Start();
                if (await server.WaitUntilServingAsync())
                {
                    return server;
                }

                if (attempt < 3 && server.AddressInUse())
                {
                    continue;
                }

                throw new InvalidOperationException($"The {name} exited with {server._process!.ExitCode} before serving. Its output:\n{server.Output}");
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends SIGTERM (what Kubernetes sends at a pod's deletion) and returns at once with the time it was sent (UTC);
    /// <see cref="WaitForExitAsync"/> then waits for the graceful shutdown to finish.
    /// </summary>
    public DateTime Terminate()
    {
        var process = _process ?? throw new InvalidOperationException($"The {_name} was disposed.");
        var at = DateTime.UtcNow;
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill could not be started");
        kill.WaitForExit();
        Append($"--- test: SIGTERM at {at:HH:mm:ss.fff} ---");
        return at;
    }

    /// <summary>Waits for the process to exit and returns its exit code; throws after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException($"The {_name} was disposed.");
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The {_name} on port {Port} did not exit within {timeout}. Its output:\n{Output}");
        }

        process.WaitForExit(); // drains the output events
        return process.ExitCode;
    }

    /// <summary>
    /// Kills the process tree with SIGKILL (no graceful shutdown: the process leaves its membership row, its open
    /// connections are reset) and waits until it is gone. Returns the time of the kill (UTC). The object stays usable:
    /// <see cref="RestartAsync"/> starts the process again.
    /// </summary>
    public DateTime Kill()
    {
        var process = _process ?? throw new InvalidOperationException($"The {_name} was disposed.");
        var at = DateTime.UtcNow;
        if (!process.HasExited)
        {
            // Process.Kill sends SIGKILL on Unix.
            process.Kill(entireProcessTree: true);
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            throw new TimeoutException($"The {_name} on port {Port} did not exit within 15 s of SIGKILL.");
        }

        process.WaitForExit(); // drains the output events
        Append($"--- test: killed with SIGKILL at {at:HH:mm:ss.fff} ---");
        return at;
    }

    /// <summary>
    /// Starts the process again, on the same port and with the same configuration, after <see cref="Kill"/>; returns
    /// once it is SERVING. The output of the earlier run is kept.
    /// </summary>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"The {_name} on port {Port} is still running: kill it first.");
        }

        // The port was ours a moment ago; a socket of the killed process can linger for a moment.
        for (var attempt = 1; ; attempt++)
        {
            var mark = LineCount;
            Append($"--- test: starting again on port {Port} ---");
            Start();
            if (await WaitUntilServingAsync())
            {
                return;
            }

            if (attempt < 5 && AddressInUse(mark))
            {
                await Task.Delay(500);
                continue;
            }

            throw new InvalidOperationException($"The {_name} exited with {_process!.ExitCode} before serving again on port {Port}. Its output:\n{Output}");
        }
    }

    /// <summary>
    /// Waits until a line printed at index <paramref name="fromLine"/> or later matches <paramref name="predicate"/>
    /// (the output arrives asynchronously) and returns it; throws <see cref="TimeoutException"/> with the output after
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<OutputLine> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout, string what, int fromLine = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var started = Stopwatch.StartNew();
        var next = fromLine;
        while (true)
        {
            var lines = Lines;
            for (; next < lines.Count; next++)
            {
                if (predicate(lines[next].Text))
                {
                    return lines[next];
                }
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"The {_name} on port {Port} did not print {what} within {timeout.TotalSeconds:0.#} s. Its output:\n{Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Waits until a line from <paramref name="fromLine"/> on contains <paramref name="text"/> (ordinal).</summary>
    public Task<OutputLine> WaitForOutputAsync(string text, TimeSpan timeout, int fromLine = 0, CancellationToken cancellationToken = default) =>
        WaitForOutputAsync(line => line.Contains(text, StringComparison.Ordinal), timeout, $"a line containing \"{text}\"", fromLine, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
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

    /// <inheritdoc />
    public override string ToString() => $"{_name} {Address}";

    private bool AddressInUse(int fromLine = 0) =>
        Lines.Skip(fromLine).Any(l => l.Text.Contains("address already in use", StringComparison.OrdinalIgnoreCase));

    private void Start()
    {
        _process?.Dispose();

        // From its output directory, as in a container: appsettings.json is read from the working directory.
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_dll);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Perms__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in _variables)
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

        var at = DateTime.UtcNow;
        lock (_lines)
        {
            _lines.Add(new OutputLine(at, line));
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
            // A connection the starting server resets can surface as a bare SocketException (HttpConnectionPool reads
            // the socket's remote end point after the reset): not serving yet, like the others.
            catch (Exception e) when (e is GrpcStatusException or HttpRequestException or IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The {_name} did not answer SERVING within {StartTimeout.TotalSeconds} s (last: {last}). Its output:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
