using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Policy;

/// <summary>A named role and what it grants: resource → actions (Better Auth's <c>ac.newRole({...})</c>).</summary>
/// <param name="Name">The role name, matched case-sensitively.</param>
/// <param name="Statements">Resource → actions, in declaration order.</param>
public sealed record RoleDefinition(string Name, ImmutableArray<ResourceActions> Statements);
