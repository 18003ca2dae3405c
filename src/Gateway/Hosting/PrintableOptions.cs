using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>An options type bound from a configuration section, listed by <c>--print-config</c> and the start-up validation.</summary>
/// <param name="OptionsType">The options class.</param>
/// <param name="Name">The named-options name (empty for the default).</param>
/// <param name="Section">The configuration section it is bound from, e.g. <c>Perms:Server</c>.</param>
public sealed record PrintableOptions(Type OptionsType, string Name, string Section)
{
    /// <summary>The options as the application sees them: bound, post-configured and validated.</summary>
    /// <exception cref="OptionsValidationException">They are invalid.</exception>
    /// <exception cref="InvalidOperationException">A value cannot be converted to its type (the message names the key).</exception>
    public object Resolve(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var monitor = services.GetRequiredService(typeof(IOptionsMonitor<>).MakeGenericType(OptionsType));
        try
        {
            return monitor.GetType().GetMethod(nameof(IOptionsMonitor<object>.Get))!.Invoke(monitor, [Name])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
