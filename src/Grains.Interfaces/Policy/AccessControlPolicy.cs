using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Policy;

/// <summary>The statements and roles of one Better Auth plugin (organization or admin).</summary>
/// <param name="Statements">Every resource and its actions (<c>ac.statements</c>).</param>
/// <param name="Roles">The roles, in declaration order; they replace the plugin's defaults, as in Better Auth.</param>
public sealed record AccessControlPolicy(ImmutableArray<ResourceActions> Statements, ImmutableArray<RoleDefinition> Roles);
