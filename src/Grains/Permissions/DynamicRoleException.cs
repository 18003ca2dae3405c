using Perms.Grains.Interfaces.Errors;

namespace Perms.Grains.Permissions;

/// <summary>
/// An <c>organizationRole</c> row that cannot be read. Better Auth answers HTTP 500 to every check in that organization;
/// Perms fails those checks with an error naming the row, and never turns it into an allow.
/// </summary>
[GenerateSerializer]
[Alias("perms.DynamicRoleException")]
public sealed class DynamicRoleException : InvalidStateException
{
    /// <summary>Creates the error for one row.</summary>
    public DynamicRoleException(string organizationId, string rowId, string role, string detail)
        : base($"organizationRole row \"{rowId}\" (role \"{role}\") of organization \"{organizationId}\" has an invalid permission column: {detail}")
    {
        OrganizationId = organizationId;
        RowId = rowId;
        Role = role;
        Detail = detail;
    }

    /// <summary>The organization whose checks fail.</summary>
    [Id(0)]
    public string OrganizationId { get; }

    /// <summary>The id of the broken row.</summary>
    [Id(1)]
    public string RowId { get; }

    /// <summary>The role name on the broken row.</summary>
    [Id(2)]
    public string Role { get; }

    /// <summary>What is wrong with the row's <c>permission</c> column.</summary>
    [Id(3)]
    public string Detail { get; }
}
