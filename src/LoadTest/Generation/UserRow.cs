namespace Perms.LoadTest.Generation;

/// <summary>One generated <c>user</c> row (the fields that matter to permissions).</summary>
/// <param name="Index">The user's index.</param>
/// <param name="Role">The admin plugin's platform role: <c>admin</c>, <c>user</c> or null.</param>
/// <param name="Banned">The <c>banned</c> column.</param>
/// <param name="BanExpires">The <c>banExpires</c> column (null: a ban without end).</param>
internal readonly record struct UserRow(long Index, string? Role, bool Banned, DateTime? BanExpires)
{
    /// <summary>The user id.</summary>
    public string Id => DatasetSpec.UserId(Index);
}
