using System.Collections.Frozen;
using System.Text.Json;

namespace Perms.LoadTest.Truth;

/// <summary>
/// One organization's dynamic roles (its <c>organizationRole</c> rows) as Better Auth merges them: rows with the same
/// name are unioned resource by resource. Immutable.
/// </summary>
internal sealed class DynamicRoleSet
{
    private readonly FrozenDictionary<string, FrozenDictionary<string, FrozenSet<string>>> _roles;

    private DynamicRoleSet(FrozenDictionary<string, FrozenDictionary<string, FrozenSet<string>>> roles) => _roles = roles;

    /// <summary>An organization without dynamic roles.</summary>
    public static DynamicRoleSet Empty { get; } = new(FrozenDictionary<string, FrozenDictionary<string, FrozenSet<string>>>.Empty);

    /// <summary>The role names, in no particular order.</summary>
    public IEnumerable<string> Names => _roles.Keys;

    /// <summary>
    /// Builds the set from (role, permission JSON) rows. The JSON must be an object of string arrays, as Better Auth's
    /// <c>z.record(z.string(), z.array(z.string()))</c> requires; anything else throws <see cref="FormatException"/>.
    /// </summary>
    public static DynamicRoleSet FromRows(IEnumerable<(string Role, string Permission)> rows)
    {
        var roles = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        foreach (var (role, permission) in rows)
        {
            if (!roles.TryGetValue(role, out var grants))
            {
                roles[role] = grants = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            }

            foreach (var (resource, actions) in ParsePermission(role, permission))
            {
                if (!grants.TryGetValue(resource, out var set))
                {
                    grants[resource] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.UnionWith(actions);
            }
        }

        return roles.Count == 0
            ? Empty
            : new DynamicRoleSet(roles.ToFrozenDictionary(
                r => r.Key,
                r => r.Value.ToFrozenDictionary(g => g.Key, g => g.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal),
                StringComparer.Ordinal));
    }

    /// <summary>The actions role <paramref name="role"/> grants on <paramref name="resource"/> here; null when it grants none.</summary>
    public FrozenSet<string>? Actions(string role, string resource) =>
        _roles.TryGetValue(role, out var grants) && grants.TryGetValue(resource, out var actions) ? actions : null;

    /// <summary>Whether a role of this name exists here.</summary>
    public bool Contains(string role) => _roles.ContainsKey(role);

    private static Dictionary<string, string[]> ParsePermission(string role, string permission)
    {
        try
        {
            using var document = JsonDocument.Parse(permission);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"dynamic role {role}: permission is not a JSON object");
            }

            // JSON.parse keeps the last of duplicate keys.
            var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Array || property.Value.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
                {
                    throw new FormatException($"dynamic role {role}: permission.{property.Name} is not an array of strings");
                }

                result[property.Name] = property.Value.EnumerateArray().Select(a => a.GetString()!).ToArray();
            }

            return result;
        }
        catch (JsonException e)
        {
            throw new FormatException($"dynamic role {role}: permission is not JSON ({e.Message})", e);
        }
    }
}
