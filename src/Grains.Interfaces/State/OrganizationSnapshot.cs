using System.Collections.Immutable;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Interfaces.State;

/// <summary>Everything read about one organization in one consistent snapshot of Better Auth's tables.</summary>
/// <param name="OrganizationId">The id that was looked up.</param>
/// <param name="Exists">Whether the organization row exists.</param>
/// <param name="DynamicRoles">Its <c>organizationRole</c> rows ordered by id (empty unless dynamic access control is on).</param>
/// <param name="ReadAt">When the snapshot was read (the database's clock at the start of the read).</param>
public sealed record OrganizationSnapshot(string OrganizationId, bool Exists, ImmutableArray<DynamicRoleRow> DynamicRoles, DateTimeOffset ReadAt);
