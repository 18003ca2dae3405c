using System.Collections.Immutable;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Grains.Interfaces.Checks;

/// <summary>A decision and what it was made from. A value type: answering a warm check allocates nothing.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="StateAsOf">When the state behind the decision was read from PostgreSQL (the older of the user's and the organization's).</param>
/// <param name="Roles">The roles the decision considered: the member's roles in the organization, or the user's platform roles.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.CheckResult")]
public readonly record struct CheckResult(PermissionDecision Decision, DateTimeOffset StateAsOf, ImmutableArray<string> Roles);
