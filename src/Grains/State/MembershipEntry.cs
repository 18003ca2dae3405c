using System.Collections.Immutable;
using Perms.Grains.Permissions;

namespace Perms.Grains.State;

/// <summary>One compiled membership: the organization, the member's roles there, and its teams.</summary>
/// <param name="OrganizationId">The organization.</param>
/// <param name="Roles">The roles, duplicate member rows unioned; instances are shared between users with the same role string.</param>
/// <param name="TeamIds">The teams (they carry no permissions; shown by GetMemberships).</param>
public readonly record struct MembershipEntry(string OrganizationId, RoleNames Roles, ImmutableArray<string> TeamIds);
