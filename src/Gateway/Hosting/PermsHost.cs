using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>
/// What the silo process does once its services are registered: <c>--print-config</c>, every
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
    /// (SIGTERM, also while starting), 1 when a part of the host stopped it on a failure (e.g. joining the cluster); 2
    /// when a port it would listen on is taken.
    /// </summary>
    /// <param name="app">The built application.</param>
    /// <param name="args">The process's arguments.</param>
    /// <param name="process">The name failures are printed under (<c>perms</c>).</param>
    /// <param name="map">Maps the endpoints (and resolves whatever must fail before anything starts).</param>
    /// <param name="otherPorts">Ports the process listens on besides the gRPC and metrics endpoints (Orleans' ports), checked free with them before anything starts.</param>
    public static async Task<int> RunAsync(WebApplication app, string[] args, string process, Action<WebApplication> map, Func<IServiceProvider, IEnumerable<PortClaim>>? otherPorts = null)
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

        var ports = Ports(app.Services).Concat(otherPorts?.Invoke(app.Services) ?? []).ToList();
        if (!PortCheck.Check(ports, Console.Error, process))
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
        catch (Exception e) when (PortCheck.IsAddressInUse(e))
        {
            // Taken between the check and the listener's bind: still one line, not a stack trace.
            Console.Error.WriteLine(PortCheck.Describe(ports, process, e));
            return 2;
        }
        catch (OptionsValidationException e)
        {
            // Configuration mistakes are the operator's to fix: say what and where, not a stack trace.
            StartupValidation.Print(e, Console.Error, process);
            return 2;
        }
    }

    // The gRPC endpoint and the metrics endpoint (when on), as Kestrel will bind them.
    private static IEnumerable<PortClaim> Ports(IServiceProvider services)
    {
        var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var serverAddress = ParseOrAny(server.Address);
        yield return new PortClaim($"{ServerOptions.SectionName}:{nameof(ServerOptions.Port)}", serverAddress, server.Port);
        if (services.GetService<IOptions<Metrics.MetricsOptions>>()?.Value is { Enabled: true } metrics)
        {
            yield return new PortClaim($"{Metrics.MetricsOptions.SectionName}:{nameof(Metrics.MetricsOptions.Port)}", metrics.Address is { } address ? ParseOrAny(address) : serverAddress, metrics.Port);
        }
    }

    private static System.Net.IPAddress ParseOrAny(string address) =>
        System.Net.IPAddress.TryParse(address, out var parsed) ? parsed : System.Net.IPAddress.Any;
}
