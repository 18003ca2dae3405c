using System.Collections.Immutable;
using Perms.Grains.Interfaces.State;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>What the UserGrain holds about a user, for GetMemberships.</summary>
/// <param name="Snapshot">The user row and memberships (duplicate member rows merged into one role list each).</param>
/// <param name="PlatformRoles">The user's platform (admin plugin) roles, the default role applied.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.UserMemberships")]
public sealed record UserMemberships(UserSnapshot Snapshot, ImmutableArray<string> PlatformRoles);
