namespace Perms.LoadTest.Generation;

/// <summary>One generated <c>organizationRole</c> row (a dynamic role).</summary>
/// <param name="Index">The row's index (its id is <c>r{Index:D7}</c>).</param>
/// <param name="Organization">The organization's index.</param>
/// <param name="Role">The role's name.</param>
/// <param name="Permission">The <c>permission</c> column: JSON <c>{"resource":["action",…]}</c>.</param>
internal readonly record struct OrganizationRoleRow(long Index, int Organization, string Role, string Permission)
{
    /// <summary>The row's id.</summary>
    public string Id => $"r{Index:D7}";
}
