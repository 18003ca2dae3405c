using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>One (resource, action) a member holds, and every role of theirs that grants it.</summary>
/// <param name="Resource">The resource.</param>
/// <param name="Action">The action.</param>
/// <param name="GrantedByRoles">The member's roles that grant it, in stored order.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.EffectivePermission")]
public sealed record EffectivePermission(string Resource, string Action, ImmutableArray<string> GrantedByRoles);
