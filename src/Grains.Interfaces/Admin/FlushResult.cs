namespace Perms.Grains.Interfaces.Admin;

/// <summary>What a flush removed.</summary>
/// <param name="UsersDeactivated">User grains removed.</param>
/// <param name="OrganizationsDeactivated">Organization grains removed.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.FlushResult")]
public sealed record FlushResult(int UsersDeactivated, int OrganizationsDeactivated);
