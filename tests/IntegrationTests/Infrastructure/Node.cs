using System.Diagnostics;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>Runs Node.js scripts (the real Better Auth package lives on that side).</summary>
internal static class Node
{
    /// <summary>Runs <c>node</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>; returns stdout, or fails with stderr.</summary>
    public static async Task<string> RunAsync(string workingDirectory, IEnumerable<string> arguments, string? standardInput = null)
    {
        var start = new ProcessStartInfo("node")
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

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started; is Node.js installed?");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await error}");
        }

        return await output;
    }
}
