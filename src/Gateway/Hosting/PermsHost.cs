using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>
/// What a silo and a gateway process do alike once their services are registered: <c>--print-config</c>, every
/// configuration failure at once, then serve until stopped, with the exit codes operators script against.
/// </summary>
public static class PermsHost
{
    /// <summary>The argument that prints the effective configuration and exits.</summary>
    public const string PrintConfigArgument = "--print-config";

    /// <summary>The arguments for the host's configuration: all but <see cref="PrintConfigArgument"/>.</summary>
    public static string[] ConfigurationArguments(string[] args) => [.. args.Where(arg => arg != PrintConfigArgument)];

    /// <summary>
    /// With <see cref="PrintConfigArgument"/>: prints the configuration (exit 0, or 2 when invalid). Otherwise: 2 with
    /// every failure when the configuration is invalid; else maps the endpoints and runs — 0 after a graceful stop
    /// (SIGTERM, also while starting), 1 when a part of the host stopped it on a failure (e.g. joining the cluster).
    /// </summary>
    /// <param name="app">The built application.</param>
    /// <param name="args">The process's arguments.</param>
    /// <param name="process">The name failures are printed under (<c>perms</c>, <c>perms-gateway</c>).</param>
    /// <param name="map">Maps the endpoints (and resolves whatever must fail before anything starts).</param>
    public static async Task<int> RunAsync(WebApplication app, string[] args, string process, Action<WebApplication> map)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(map);
        if (args.Contains(PrintConfigArgument))
        {
            return ConfigurationPrinter.Print(app.Services, app.Configuration, Console.Out, process) ? 0 : 2;
        }

        if (!StartupValidation.Validate(app.Services, Console.Error, process))
        {
            return 2;
        }

        try
        {
            map(app);
            await app.RunAsync().ConfigureAwait(false);
            return Environment.ExitCode;
        }
        catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // SIGTERM while starting (e.g. during the schema check): a clean stop, not a crash.
            return Environment.ExitCode;
        }
        catch (OptionsValidationException e)
        {
            // Configuration mistakes are the operator's to fix: say what and where, not a stack trace.
            StartupValidation.Print(e, Console.Error, process);
            return 2;
        }
    }
}
