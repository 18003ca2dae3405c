using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>Reading options that may be invalid, where their failures are reported elsewhere.</summary>
public static class OptionsExtensions
{
    /// <summary>
    /// The options, or null when they are invalid or a value has the wrong type. For code that runs while the host is
    /// built (Kestrel's and the host's own options) or inside another validator: <see cref="StartupValidation"/>
    /// reports every failure at once under its key, so throwing here would report only this one, as a crash.
    /// </summary>
    public static TOptions? ValueOrNull<TOptions>(this IOptions<TOptions> options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return options.Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            return null;
        }
    }
}
