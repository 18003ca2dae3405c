using System.Collections.Immutable;
using Perms.Grains.Interfaces.Checks;

namespace Perms.Grains.Interfaces.Grains;

/// <summary>What a member's roles grant in an organization, as its OrganizationGrain holds the roles.</summary>
/// <param name="Permissions">Each (resource, action) granted, with the roles granting it.</param>
/// <param name="ReadAt">When the organization's roles were read.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.OrganizationGrants")]
public sealed record OrganizationGrants(ImmutableArray<EffectivePermission> Permissions, DateTimeOffset ReadAt);
