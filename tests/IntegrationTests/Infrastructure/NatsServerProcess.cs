using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>
/// A private nats-server (<see cref="TestEnvironment.NatsServerPath"/>) on a free loopback port, for tests that stop,
/// kill, freeze or restart it. Started again, it keeps its port.
/// </summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string[] _arguments;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private NatsServerProcess(int port, string[] arguments)
    {
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    public Uri Url => new($"nats://127.0.0.1:{Port}");

    /// <summary>The process id of the running server.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>What the server wrote to stdout and stderr, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>nats-server -a 127.0.0.1 -p PORT</c> plus <paramref name="arguments"/> and waits until it accepts connections.</summary>
    public static async Task<NatsServerProcess> StartAsync(params string[] arguments)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new NatsServerProcess(FreePort(), arguments);
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Log.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the server (again) on its port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The server is already running.");
        }

        _process?.Dispose();
        var start = new ProcessStartInfo(TestEnvironment.NatsServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. _arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with {process.ExitCode} at start on port {Port}:\n{Log}");
            }

            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new InvalidOperationException($"nats-server is not accepting on port {Port} after {StartTimeout.TotalSeconds} s:\n{Log}");
    }

    /// <summary>Shuts the server down gracefully (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        await SignalAsync("TERM");
        await WaitForExitAsync();
    }

    /// <summary>Kills the server (SIGKILL): no goodbye to the clients.</summary>
    public async Task KillAsync()
    {
        _process?.Kill();
        await WaitForExitAsync();
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open, nothing answers.</summary>
    public Task SuspendAsync() => SignalAsync("STOP");

    /// <summary>Lets a frozen server go on (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await ResumeAsync();
            _process.Kill();
            await WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, ProcessId.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill could not be started.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await kill.WaitForExitAsync(timeout.Token);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {ProcessId} exited with {kill.ExitCode}.");
        }
    }

    private async Task WaitForExitAsync()
    {
        if (_process is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(timeout.Token);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
