using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.State;

/// <summary>A user's membership in one organization, as stored by Better Auth.</summary>
/// <param name="OrganizationId">The organization.</param>
/// <param name="RoleColumns">
/// The raw <c>member.role</c> values: one per member row, usually exactly one. Better Auth has no unique constraint on
/// (organization, user); duplicate rows are kept here and their roles unioned when compiled.
/// </param>
/// <param name="TeamIds">The teams of that organization the user belongs to (teams carry no permissions).</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.MembershipRecord")]
public sealed record MembershipRecord(string OrganizationId, ImmutableArray<string?> RoleColumns, ImmutableArray<string> TeamIds);
