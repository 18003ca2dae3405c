namespace Perms.Grains.Interfaces.Policy;

/// <summary>One row of Better Auth's <c>organizationRole</c> table, as stored.</summary>
/// <param name="Id">The row id, named in errors.</param>
/// <param name="OrganizationId">The organization the role belongs to.</param>
/// <param name="Role">The role name; a name equal to a static role extends it.</param>
/// <param name="Permission">The raw <c>permission</c> column: JSON <c>{"resource": ["action", …]}</c>, possibly malformed or NULL.</param>
public sealed record DynamicRoleRow(string Id, string OrganizationId, string Role, string? Permission);
