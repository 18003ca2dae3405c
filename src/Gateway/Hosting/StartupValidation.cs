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
        var failures = Failures(services);
        if (failures.Count == 0)
        {
            return true;
        }

        error.WriteLine($"{process}: the configuration is invalid:");
        foreach (var failure in failures)
        {
            error.WriteLine("  " + failure);
        }

        return false;
    }

    /// <summary>
    /// Every failure of every listed option (<see cref="PrintableOptions"/>) — validation failures and values that
    /// cannot be converted to their type alike — then of the other <c>ValidateOnStart</c> options; distinct, in order.
    /// </summary>
    public static IReadOnlyList<string> Failures(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var failures = new List<string>();
        foreach (var printable in services.GetServices<PrintableOptions>().DistinctBy(p => (p.OptionsType, p.Name)))
        {
            try
            {
                printable.Resolve(services);
            }
            catch (OptionsValidationException e)
            {
                failures.AddRange(e.Failures);
            }
            catch (InvalidOperationException e)
            {
                // The binder's "Failed to convert configuration value '20s' at 'Perms:Server:DrainTimeout' to type …".
                failures.Add(e.Message);
            }
        }

        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            failures.AddRange(e is AggregateException aggregate ? aggregate.Flatten().InnerExceptions.SelectMany(FailuresOf) : FailuresOf(e));
        }

        return [.. failures.Distinct()];
    }

    /// <summary>Prints the failures of an <see cref="OptionsValidationException"/> (or several, aggregated).</summary>
    public static void Print(Exception exception, TextWriter error, string process)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"{process}: the configuration is invalid:");
        var failures = exception is AggregateException aggregate
            ? aggregate.Flatten().InnerExceptions.SelectMany(FailuresOf)
            : FailuresOf(exception);
        foreach (var failure in failures.Distinct())
        {
            error.WriteLine("  " + failure);
        }
    }

    private static IEnumerable<string> FailuresOf(Exception exception) =>
        exception is OptionsValidationException validation ? validation.Failures : [exception.Message];
}
