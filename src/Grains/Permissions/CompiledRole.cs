using System.Collections.Frozen;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Permissions;

/// <summary>A role ready for checks: resource → set of actions in frozen, ordinal lookups.</summary>
public sealed class CompiledRole
{
    internal CompiledRole(RoleDefinition definition)
    {
        Definition = definition;
        Statements = definition.Statements.ToFrozenDictionary(
            s => s.Resource,
            s => s.Actions.ToFrozenSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    /// <summary>The role name.</summary>
    public string Name => Definition.Name;

    /// <summary>The role as declared (declaration order kept, for display).</summary>
    public RoleDefinition Definition { get; }

    /// <summary>What the role grants.</summary>
    public FrozenDictionary<string, FrozenSet<string>> Statements { get; }

    /// <summary>
    /// Better Auth's <c>role.authorize(request)</c> with the AND connector: every requested resource must be in the
    /// role and every requested action allowed on it. An empty request, or an empty action list, is not granted.
    /// Allocates nothing.
    /// </summary>
    public bool Grants(PermissionRequest request)
    {
        if (request.IsEmpty)
        {
            return false;
        }

        foreach (var requested in request.Resources)
        {
            if (!Statements.TryGetValue(requested.Resource, out var allowed))
            {
                return false;
            }

            foreach (var action in requested.Actions)
            {
                if (!allowed.Contains(action))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
