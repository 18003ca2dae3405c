namespace Perms.LoadTest.Truth;

/// <summary>One organization permission check and the answer the ground truth expects.</summary>
/// <param name="UserIndex">The generated user's index (its id is <c>DatasetSpec.UserId(UserIndex)</c>).</param>
/// <param name="OrganizationIndex">The generated organization's index.</param>
/// <param name="Resource">The resource asked about.</param>
/// <param name="Action">The action asked about.</param>
/// <param name="Expected">The answer Better Auth gives on the generated data (Perms' deny mode for bans, as configured for the harness).</param>
internal sealed record CheckCase(long UserIndex, int OrganizationIndex, string Resource, string Action, bool Expected)
{
    /// <summary>The user id.</summary>
    public string UserId => Generation.DatasetSpec.UserId(UserIndex);

    /// <summary>The organization id.</summary>
    public string OrganizationId => Generation.DatasetSpec.OrganizationId(OrganizationIndex);
}
