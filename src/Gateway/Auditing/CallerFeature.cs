using Microsoft.AspNetCore.Http.Features;

namespace Perms.Gateway.Auditing;

/// <summary>
/// The authenticated calling service of one request, kept in the request's <see cref="IFeatureCollection"/> for the
/// audit log and for the router (which passes it to the owner silo as <c>perms-caller</c>). Set only when something
/// will read it: nothing is added to a call when the audit log is off in a silo alone.
/// </summary>
/// <param name="name">The service name (a caller token's name, or the original caller named by a router).</param>
public sealed class CallerFeature(string name)
{
    /// <summary>
    /// The request metadata by which a router names the original caller to the owner silo; trusted only on the
    /// internal service (cluster token), ignored on the public one. Its value is the name, percent-encoded.
    /// </summary>
    public const string Header = "perms-caller";

    /// <summary>The caller named on the internal service when a router sent no <see cref="Header"/>.</summary>
    public const string UnnamedClusterCaller = "cluster";

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
