using System.Diagnostics;

namespace Perms.IntegrationTests.Api;

/// <summary>What a finished child process printed, and how it ended.</summary>
internal sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs short-lived child processes (node, python, the seed script) with extra environment variables.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="fileName"/> to completion and returns what it printed; <paramref name="environment"/> adds
    /// variables (a null value removes one). Past <paramref name="timeout"/> the
    /// process tree is killed and the call fails with whatever it printed so far.
    /// </summary>
    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment,
        TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} could not be started");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{Describe(start)} did not finish within {timeout.TotalSeconds} s.\nstdout:\n{await output}\nstderr:\n{await error}");
        }

        return new ChildProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>The command line, for messages.</summary>
    public static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
}
