namespace Perms.Grains.Interfaces.Admin;

/// <summary>What deactivating an organization removed.</summary>
/// <param name="OrganizationDeactivated">Whether the organization's own grain was active.</param>
/// <param name="UsersDeactivated">User grains removed: members of the organization, and user loads in flight.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.OrganizationDeactivation")]
public sealed record OrganizationDeactivation(bool OrganizationDeactivated, int UsersDeactivated);
