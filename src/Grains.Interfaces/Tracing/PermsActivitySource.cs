using System.Diagnostics;

namespace Perms.Grains.Interfaces.Tracing;

/// <summary>
/// The spans Perms starts (ActivitySource <c>Perms</c>). Without a listener (an OpenTelemetry SDK, dotnet-trace…)
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and costs a field read; with one, the
/// spans are children of ASP.NET Core's request Activity, which continues the caller's W3C <c>traceparent</c>.
/// </summary>
public static class PermsActivitySource
{
    /// <summary>The source's name.</summary>
    public const string Name = "Perms";

    /// <summary>A permission check answered by this silo (PermissionApi).</summary>
    public const string Check = "perms.check";

    /// <summary>A batch of checks answered by this silo.</summary>
    public const string CheckBatch = "perms.check_batch";

    /// <summary>A platform check answered by this silo.</summary>
    public const string CheckPlatform = "perms.check_platform";

    /// <summary>GetMemberships answered by this silo.</summary>
    public const string Memberships = "perms.memberships";

    /// <summary>GetEffectivePermissions answered by this silo.</summary>
    public const string Effective = "perms.effective";

    /// <summary>A grain's state read from PostgreSQL (a grain's CachedState).</summary>
    public const string GrainLoad = "perms.grain.load";

    /// <summary>The source.</summary>
    public static ActivitySource Source { get; } = new(Name);
}
