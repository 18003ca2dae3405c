using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>Checks every validated option of a process at once, before anything resolves one of them.</summary>
public static class StartupValidation
{
    /// <summary>
    /// Runs every <c>ValidateOnStart</c> validation and prints each failure (one line each, naming its key) under
    /// "<paramref name="process"/>: the configuration is invalid:".
    /// </summary>
    /// <returns>True when the configuration is valid.</returns>
    public static bool Validate(IServiceProvider services, TextWriter error, string process)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            Print(e, error, process);
            return false;
        }
    }

    /// <summary>Prints the failures of an <see cref="OptionsValidationException"/> (or several, aggregated).</summary>
    public static void Print(Exception exception, TextWriter error, string process)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"{process}: the configuration is invalid:");
        var failures = exception is AggregateException aggregate
            ? aggregate.Flatten().InnerExceptions.SelectMany(Failures)
            : Failures(exception);
        foreach (var failure in failures.Distinct())
        {
            error.WriteLine("  " + failure);
        }
    }

    private static IEnumerable<string> Failures(Exception exception) =>
        exception is OptionsValidationException validation ? validation.Failures : [exception.Message];
}
