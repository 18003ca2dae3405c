using Microsoft.AspNetCore.Http.Features;

namespace Perms.Gateway.Auditing;

/// <summary>
/// The authenticated calling service of one request, kept in the request's <see cref="IFeatureCollection"/> for the
/// audit log. Set only when something will read it: nothing is added to a call when the audit log is off.
/// </summary>
/// <param name="name">The service name (a caller token's name).</param>
public sealed class CallerFeature(string name)
{
    /// <summary>The service name.</summary>
    public string Name { get; } = name;

    /// <summary>The caller recorded for <paramref name="context"/>, or null.</summary>
    public static string? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<CallerFeature>()?.Name;
    }

    /// <summary>Records <paramref name="name"/> as the caller of <paramref name="context"/>.</summary>
    public static void Set(HttpContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Features.Set(new CallerFeature(name));
    }
}
