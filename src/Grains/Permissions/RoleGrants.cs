using System.Collections.Immutable;
using Perms.Grains.Interfaces.Checks;

namespace Perms.Grains.Permissions;

/// <summary>What a member's roles grant in a role set: every (resource, action), with the roles granting it.</summary>
public static class RoleGrants
{
    /// <summary>
    /// Each (resource, action) one of <paramref name="memberRoles"/> grants in <paramref name="roles"/>, in the order
    /// the roles and their statements declare them; names unknown to the set grant nothing.
    /// </summary>
    public static ImmutableArray<EffectivePermission> Of(RoleSet roles, ImmutableArray<string> memberRoles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var granted = new OrderedDictionary<(string Resource, string Action), List<string>>();
        foreach (var name in memberRoles)
        {
            if (!roles.TryGetRole(name, out var role))
            {
                continue;
            }

            foreach (var entry in role.Definition.Statements)
            {
                foreach (var action in entry.Actions)
                {
                    if (!granted.TryGetValue((entry.Resource, action), out var by))
                    {
                        granted[(entry.Resource, action)] = by = [];
                    }

                    by.Add(name);
                }
            }
        }

        return [.. granted.Select(g => new EffectivePermission(g.Key.Resource, g.Key.Action, [.. g.Value]))];
    }
}
