using Perms.Grains.Interfaces.Permissions;

namespace Perms.Grains.Interfaces.Grains;

/// <summary>An OrganizationGrain's answer to a member's check.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="ReadAt">When the organization's roles were read.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.OrganizationDecision")]
public readonly record struct OrganizationDecision(PermissionDecision Decision, DateTimeOffset ReadAt);
