using System.Collections.Immutable;

namespace Perms.Grains.Permissions;

/// <summary>
/// The role names of one member or user, split once when the row is loaded so a check never splits strings.
/// </summary>
public sealed class RoleNames
{
    private RoleNames(ImmutableArray<string> names) => Names = names;

    /// <summary>
    /// Names already parsed and deduplicated (a UserGrain's, sent to an OrganizationGrain): kept as given, in order.
    /// </summary>
    public static RoleNames FromParsed(ImmutableArray<string> names) => names.IsDefaultOrEmpty ? None : new(names);

    /// <summary>No roles at all.</summary>
    public static RoleNames None { get; } = new([]);

    /// <summary>The names in stored order, without repeats; a check tries them in this order.</summary>
    public ImmutableArray<string> Names { get; }

    /// <summary>
    /// Parses <c>member.role</c> as Better Auth's organization plugin does (<c>parseRoleList</c>): split on ",",
    /// trim each part with JavaScript's trim, drop empty parts. NULL means no roles.
    /// </summary>
    public static RoleNames ParseOrganization(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return None;
        }

        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var part in raw.Split(','))
        {
            var name = JsString.Trim(part);
            if (name.Length > 0 && !names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? None : new RoleNames(names.ToImmutable());
    }

    /// <summary>
    /// <see cref="ParseOrganization"/> through a bounded cache keyed by the raw string: role strings have few distinct
    /// values ("member", "admin,member"…), so a million users share a handful of instances instead of a million lists.
    /// </summary>
    public static RoleNames ParseOrganizationShared(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return None;
        }

        if (SharedOrganizationRoles.TryGetValue(raw, out var cached))
        {
            return cached;
        }

        var parsed = ParseOrganization(raw);
        if (SharedOrganizationRoles.Count < SharedCapacity)
        {
            SharedOrganizationRoles.TryAdd(raw, parsed);
        }

        return parsed;
    }

    private const int SharedCapacity = 4096;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RoleNames> SharedOrganizationRoles = new(StringComparer.Ordinal);

    /// <summary>
    /// Parses <c>user.role</c> as Better Auth's admin plugin does: <c>(role || defaultRole).split(",")</c> with no
    /// trimming, so <c>"user, admin"</c> holds the roles <c>user</c> and <c>" admin"</c>, and is not an admin.
    /// </summary>
    public static RoleNames ParsePlatform(string? raw, string defaultRole)
    {
        ArgumentNullException.ThrowIfNull(defaultRole);
        var effective = string.IsNullOrEmpty(raw) ? defaultRole : raw;
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var part in effective.Split(','))
        {
            if (!names.Contains(part))
            {
                names.Add(part);
            }
        }

        return new RoleNames(names.ToImmutable());
    }

    /// <summary>
    /// The union of two role lists, this one's first. Used for duplicate member rows of one (organization, user),
    /// which Better Auth resolves by an unordered <c>findOne</c>; Perms deterministically unions them.
    /// </summary>
    public RoleNames Union(RoleNames other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Names.IsEmpty)
        {
            return this;
        }

        var names = Names.ToBuilder();
        foreach (var name in other.Names)
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names.Count == Names.Length ? this : new RoleNames(names.ToImmutable());
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(",", Names);
}
