using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Permissions;

/// <summary>
/// The roles that apply in one scope — the organization plugin's static roles, possibly extended by one
/// organization's dynamic roles, or the admin plugin's roles — compiled once and shared by every check.
/// </summary>
public sealed class RoleSet
{
    // Object.prototype's members in Node 20: where Better Auth's role merge looks up a resource on a plain object.
    private static readonly FrozenSet<string> JavaScriptObjectMembers = new[]
    {
        "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__", "__lookupSetter__",
        "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf", "toLocaleString",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, FrozenSet<string>> _vocabulary;

    internal RoleSet(ImmutableArray<ResourceActions> statements, ImmutableArray<RoleDefinition> definitions)
    {
        Statements = statements;
        Definitions = definitions;
        Roles = definitions.ToFrozenDictionary(d => d.Name, d => new CompiledRole(d), StringComparer.Ordinal);

        // Every (resource, action) the policy or a role mentions: a request outside it can only be denied, and the
        // reason says so (UnknownPermission) instead of the vaguer NoRoleGrants.
        var vocabulary = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entry in statements.Concat(definitions.SelectMany(d => d.Statements)))
        {
            if (!vocabulary.TryGetValue(entry.Resource, out var actions))
            {
                actions = new HashSet<string>(StringComparer.Ordinal);
                vocabulary.Add(entry.Resource, actions);
            }

            actions.UnionWith(entry.Actions);
        }

        _vocabulary = vocabulary.ToFrozenDictionary(v => v.Key, v => v.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>The statements of the plugin (<c>ac.statements</c>).</summary>
    public ImmutableArray<ResourceActions> Statements { get; }

    /// <summary>The roles in declaration order (static roles first, then dynamic roles in row order).</summary>
    public ImmutableArray<RoleDefinition> Definitions { get; }

    /// <summary>The compiled roles by name (ordinal, case-sensitive).</summary>
    public FrozenDictionary<string, CompiledRole> Roles { get; }

    /// <summary>Looks a role up by its exact name; a name like <c>constructor</c> is just an unknown role.</summary>
    public bool TryGetRole(string name, [NotNullWhen(true)] out CompiledRole? role) => Roles.TryGetValue(name, out role);

    /// <summary>Whether every requested (resource, action) is declared somewhere in this set. Allocates nothing.</summary>
    public bool Declares(PermissionRequest request)
    {
        foreach (var requested in request.Resources)
        {
            if (!_vocabulary.TryGetValue(requested.Resource, out var actions))
            {
                return false;
            }

            foreach (var action in requested.Actions)
            {
                if (!actions.Contains(action))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Merges one organization's <c>organizationRole</c> rows into these roles as Better Auth does: a row whose name
    /// equals an existing role extends it (per-resource union of actions), rows sharing a name are unioned, and a new
    /// name starts empty and inherits nothing. Unlike Better Auth, every row counts (it reads only the first 100).
    /// </summary>
    /// <exception cref="DynamicRoleException">A row's <c>permission</c> column is malformed.</exception>
    public RoleSet WithDynamicRoles(string organizationId, IEnumerable<DynamicRoleRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var merged = new OrderedDictionary<string, OrderedDictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var definition in Definitions)
        {
            merged[definition.Name] = ToMutable(definition.Statements);
        }

        var any = false;
        foreach (var row in rows)
        {
            any = true;
            var permissions = DynamicRolePermissionParser.TryParse(row.Permission, out var error)
                ?? throw new DynamicRoleException(organizationId, row.Id, row.Role, error!);
            if (!merged.TryGetValue(row.Role, out var statements))
            {
                statements = new OrderedDictionary<string, List<string>>(StringComparer.Ordinal);
                merged.Add(row.Role, statements);
            }

            foreach (var (resource, actions) in permissions)
            {
                if (resource == "__proto__")
                {
                    // JSON.parse makes it an own key, but the merge's object spread cannot carry it: it never grants.
                    continue;
                }

                if (!statements.ContainsKey(resource) && JavaScriptObjectMembers.Contains(resource))
                {
                    // Better Auth's merge reads merged[resource] on a plain object: an inherited Object.prototype member
                    // is a function, spreading it throws, and every member check of the organization fails (HTTP 500).
                    throw new DynamicRoleException(organizationId, row.Id, row.Role, $"resource \"{resource}\" is the name of a JavaScript Object.prototype member, which Better Auth cannot merge");
                }

                if (!statements.TryGetValue(resource, out var list))
                {
                    list = [];
                    statements.Add(resource, list);
                }

                foreach (var action in actions)
                {
                    if (!list.Contains(action, StringComparer.Ordinal))
                    {
                        list.Add(action);
                    }
                }
            }
        }

        if (!any)
        {
            return this;
        }

        var definitions = merged.Select(role => new RoleDefinition(
            role.Key,
            [.. role.Value.Select(s => new ResourceActions(s.Key, [.. s.Value]))]));
        return new RoleSet(Statements, [.. definitions]);
    }

    private static OrderedDictionary<string, List<string>> ToMutable(ImmutableArray<ResourceActions> statements)
    {
        var result = new OrderedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in statements)
        {
            result[entry.Resource] = [.. entry.Actions];
        }

        return result;
    }
}
