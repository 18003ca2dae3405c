using System.Collections.Immutable;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Interfaces.State;

/// <summary>Everything read about one user in one consistent snapshot of Better Auth's tables.</summary>
/// <param name="UserId">The id that was looked up.</param>
/// <param name="User">The user row, or null when there is none.</param>
/// <param name="Memberships">The user's memberships, ordered by organization id.</param>
/// <param name="ReadAt">When the snapshot was read (the database's clock at the start of the read).</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.UserSnapshot")]
public sealed record UserSnapshot(string UserId, UserRecord? User, ImmutableArray<MembershipRecord> Memberships, DateTimeOffset ReadAt);
