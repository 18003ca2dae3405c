using System.Collections.Immutable;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>Everything a user may do in an organization.</summary>
/// <param name="Reason"><see cref="DecisionReason.Allowed"/> when the member holds roles there; otherwise why nothing applies.</param>
/// <param name="MemberRoles">The member's roles.</param>
/// <param name="Permissions">Every (resource, action) granted, ordered by first appearance in the roles.</param>
/// <param name="StateAsOf">When the state was read from PostgreSQL.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.EffectivePermissions")]
public sealed record EffectivePermissions(DecisionReason Reason, ImmutableArray<string> MemberRoles, ImmutableArray<EffectivePermission> Permissions, DateTimeOffset StateAsOf);
