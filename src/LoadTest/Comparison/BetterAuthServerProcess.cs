using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Perms.LoadTest.Comparison;

/// <summary>
/// The real Better Auth server of <c>src/LoadTest/better-auth-server</c> (<c>node server.mjs</c>) as a child process
/// on a free loopback port. Its stdin stays open while this object lives: the server exits when it closes, so it
/// never outlives the harness, even one that is killed.
/// </summary>
internal sealed class BetterAuthServerProcess : IAsyncDisposable
{
    /// <summary>The package directory below the repository root.</summary>
    public static readonly string RelativePackageDirectory = Path.Combine("src", "LoadTest", "better-auth-server");

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private BetterAuthServerProcess(Process process, string packageDirectory)
    {
        _process = process;
        PackageDirectory = packageDirectory;
    }

    /// <summary>Where <c>server.mjs</c> is.</summary>
    public string PackageDirectory { get; }

    /// <summary>The server's base address, <c>http://127.0.0.1:PORT/</c>, once started.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>What the server wrote to stderr so far.</summary>
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

    /// <summary>
    /// The package directory: <paramref name="given"/>, or <see cref="RelativePackageDirectory"/> below the folder holding
    /// <c>Perms.sln</c> found by walking up from the harness's own directory.
    /// </summary>
    /// <returns>The directory, or null with <paramref name="problem"/> saying why.</returns>
    public static string? FindPackageDirectory(string? given, out string? problem)
    {
        problem = null;
        if (given is not null)
        {
            if (File.Exists(Path.Combine(given, "server.mjs")))
            {
                return Path.GetFullPath(given);
            }

            problem = $"--better-auth-server {given}: no server.mjs there";
            return null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Perms.sln")))
            {
                var package = Path.Combine(directory.FullName, RelativePackageDirectory);
                if (File.Exists(Path.Combine(package, "server.mjs")))
                {
                    return package;
                }

                break;
            }
        }

        problem = $"the Better Auth server ({RelativePackageDirectory}/server.mjs) was not found above {AppContext.BaseDirectory}: pass --better-auth-server DIR";
        return null;
    }

    /// <summary>Starts the server and waits for its ready line.</summary>
    /// <param name="packageDirectory">The directory holding <c>server.mjs</c> and its <c>node_modules</c>.</param>
    /// <param name="databaseUrl">A <c>postgres://</c> URL of a role that may write sessions (the tables' owner).</param>
    /// <param name="schema">The tables' schema.</param>
    /// <param name="policyPath">The Perms policy file the silo runs with, so Better Auth gets the same roles; null for Better Auth's defaults.</param>
    /// <param name="cancellationToken">Stops waiting (and the process).</param>
    /// <exception cref="InvalidOperationException">The server exited or did not become ready; the message has its stderr.</exception>
    public static async Task<BetterAuthServerProcess> StartAsync(string packageDirectory, string databaseUrl, string schema, string? policyPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = packageDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["server.mjs", "--port", "0", "--schema", schema, "--exit-with-stdin"])
        {
            start.ArgumentList.Add(argument);
        }

        if (policyPath is not null)
        {
            start.ArgumentList.Add("--policy");
            start.ArgumentList.Add(Path.GetFullPath(policyPath));
        }

        // The URL holds a password: in the environment, not on a command line anyone can read in ps.
        start.Environment["DATABASE_URL"] = databaseUrl;
        start.Environment["NODE_ENV"] = "production";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"node could not be started ({e.Message}); is Node.js 20+ installed?", e);
        }

        var server = new BetterAuthServerProcess(process, packageDirectory);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the server's stdin (it exits by itself), and kills it when it has not after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure($"did not print its ready line within {StartTimeout.TotalSeconds:F0} s");
        }

        if (line is null)
        {
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw Failure($"exited with {_process.ExitCode} before it was ready");
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            Address = new Uri($"http://127.0.0.1:{json.RootElement.GetProperty("port").GetInt32()}/");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Failure($"printed \"{line}\" instead of its ready line {{\"port\":N}}");
        }

        // The server writes nothing else to stdout; keep draining it so a stray write can never block it.
        _ = _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
    }

    private InvalidOperationException Failure(string what)
    {
        // Give the stderr reader a moment to deliver the last lines of a process that just exited.
        if (_process.HasExited)
        {
            _process.WaitForExit();
        }

        var log = Log;
        var hint = log.Contains("ERR_MODULE_NOT_FOUND", StringComparison.Ordinal) || log.Contains("Cannot find package", StringComparison.Ordinal)
            || !Directory.Exists(Path.Combine(PackageDirectory, "node_modules"))
            ? $"\nIts packages are missing: run `npm ci` in {PackageDirectory} (scripts/test and benchmarks/harness.sh do)."
            : "";
        return new InvalidOperationException($"The Better Auth server (node server.mjs in {PackageDirectory}) {what}. Its stderr:\n{log}{hint}");
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
