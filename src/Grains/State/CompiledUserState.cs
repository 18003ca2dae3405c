using Perms.Grains.Caching;
using System.Collections.Immutable;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;

namespace Perms.Grains.State;

/// <summary>
/// A user's snapshot compiled for checks: role strings split once, memberships in an array sorted by organization id
/// (binary search; far smaller than a dictionary, which matters with a million users in memory). Immutable; what a
/// UserGrain holds.
/// </summary>
public sealed class CompiledUserState : ILoadedState
{
    private readonly MembershipEntry[] _memberships;

    /// <summary>Compiles <paramref name="snapshot"/> under <paramref name="policy"/>.</summary>
    public CompiledUserState(UserSnapshot snapshot, CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(policy);
        UserId = snapshot.UserId;
        User = snapshot.User is { } row ? row with { Role = SharedStrings.InternNullable(row.Role) } : null;
        ReadAt = snapshot.ReadAt;
        PlatformRoles = User is { } user ? policy.PlatformRolesOf(user) : RoleNames.None;
        // Records naming one organization twice are merged, like duplicate member rows: the union of their roles.
        _memberships = [.. snapshot.Memberships
            .GroupBy(m => m.OrganizationId, StringComparer.Ordinal)
            .Select(g => new MembershipEntry(
                SharedStrings.Intern(g.Key),
                g.SelectMany(m => m.RoleColumns).Aggregate(RoleNames.None, (roles, column) => roles.Union(RoleNames.ParseOrganizationShared(column))),
                [.. g.SelectMany(m => m.TeamIds.IsDefault ? [] : m.TeamIds).Distinct(StringComparer.Ordinal)]))
            .OrderBy(m => m.OrganizationId, StringComparer.Ordinal)];
    }

    /// <summary>The user id.</summary>
    public string UserId { get; }

    /// <summary>The user row, or null when there is none.</summary>
    public UserRecord? User { get; }

    /// <summary>When the snapshot was read (the database's clock).</summary>
    public DateTimeOffset ReadAt { get; }

    /// <summary>The user's platform (admin plugin) roles.</summary>
    public RoleNames PlatformRoles { get; }

    /// <summary>The memberships, sorted by organization id (ordinal).</summary>
    public ReadOnlySpan<MembershipEntry> Memberships => _memberships;

    /// <summary>The member's roles in <paramref name="organizationId"/>, or null when not a member. Allocates nothing.</summary>
    public RoleNames? RolesIn(string organizationId)
    {
        var low = 0;
        var high = _memberships.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = string.CompareOrdinal(_memberships[middle].OrganizationId, organizationId);
            if (order == 0)
            {
                return _memberships[middle].Roles;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return null;
    }

    /// <summary>
    /// Approximate bytes this state keeps alive beyond what it shares (role lists, role strings and organization ids
    /// are shared): the object, the user row, the membership array, and the strings only it holds. Used for the
    /// memory cap and the metrics.
    /// </summary>
    public int EstimatedBytes =>
        48 + StringBytes(UserId) + (User is null ? 0 : 56 + StringBytes(User.Role))
        + 24 + (_memberships.Length * 24)
        + _memberships.Sum(m => m.TeamIds.IsDefaultOrEmpty ? 0 : 24 + m.TeamIds.Sum(t => 8 + StringBytes(t)));

    private static int StringBytes(string? value) => value is null ? 0 : 22 + (2 * value.Length);

    /// <summary>The memberships as contract records (for GetMemberships).</summary>
    public ImmutableArray<MembershipRecord> ToMembershipRecords() =>
        [.. _memberships.Select(m => new MembershipRecord(m.OrganizationId, [m.Roles.ToString()], m.TeamIds))];
}
