namespace Perms.Grains.Interfaces.Policy;

/// <summary>The columns of Better Auth's <c>user</c> row that decisions depend on.</summary>
/// <param name="Id">The user id.</param>
/// <param name="Role">The admin plugin's raw <c>role</c> column: comma-separated, or NULL.</param>
/// <param name="Banned">The admin plugin's <c>banned</c> column (NULL reads as false).</param>
/// <param name="BanExpires">The admin plugin's <c>banExpires</c> column; NULL means the ban never expires.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.UserRecord")]
public sealed record UserRecord(string Id, string? Role, bool Banned, DateTimeOffset? BanExpires)
{
    /// <summary>Whether the ban is in force at <paramref name="now"/> (Better Auth lifts a ban only once <c>banExpires &lt; now</c>).</summary>
    public bool IsBannedAt(DateTimeOffset now) => Banned && (BanExpires is null || BanExpires.Value >= now);
}
