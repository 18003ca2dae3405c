namespace Perms.LoadTest.Generation;

/// <summary>One generated <c>member</c> row.</summary>
/// <param name="Index">The row's index over the whole table (its id is <c>m{Index:D9}</c>).</param>
/// <param name="User">The user's index.</param>
/// <param name="Organization">The organization's index.</param>
/// <param name="Role">The role string as stored (comma-separated roles).</param>
internal readonly record struct MembershipRow(long Index, long User, int Organization, string Role)
{
    /// <summary>The member row's id.</summary>
    public string Id => $"m{Index:D9}";
}
