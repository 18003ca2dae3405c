namespace Perms.LoadTest.Generation;

/// <summary>What <c>generate</c> writes. Everything derives from <see cref="Seed"/>: the same spec gives the same rows.</summary>
/// <param name="Users">Number of users.</param>
/// <param name="Organizations">Number of organizations.</param>
/// <param name="Memberships">Number of member rows (distinct (organization, user) pairs).</param>
/// <param name="Seed">Seed of every random choice.</param>
/// <param name="ZipfExponent">Skew of organization sizes: organization k gets members in proportion to 1 / k^s.</param>
public sealed record DatasetSpec(int Users, int Organizations, long Memberships, int Seed = 42, double ZipfExponent = 0.9)
{
    /// <summary>Share of users banned (half with an expiry in the future, half without).</summary>
    public const double BannedShare = 0.01;

    /// <summary>Share of users with the platform role <c>admin</c>.</summary>
    public const double PlatformAdminShare = 0.001;

    /// <summary>Share of organizations that have two dynamic roles (one new, one extending <c>member</c>).</summary>
    public const double DynamicRoleShare = 0.01;

    /// <summary>Every <see cref="TeamEvery"/>-th organization has one team.</summary>
    public const int TeamEvery = 4;

    /// <summary>Percentage of the members of an organization with a team who belong to it.</summary>
    public const int TeamMemberPercent = 30;

    /// <summary>The id of the team of organization <paramref name="organization"/>.</summary>
    public static string TeamId(long organization) => $"t{organization:D7}";

    /// <summary>The user id of index <paramref name="i"/>; ids are stable so runs can refer to them.</summary>
    public static string UserId(long i) => $"u{i:D8}";

    /// <summary>The organization id of index <paramref name="i"/>.</summary>
    public static string OrganizationId(long i) => $"o{i:D7}";

    /// <summary>Problems with the numbers, each naming its option.</summary>
    public IEnumerable<string> Validate()
    {
        if (Users < 1)
        {
            yield return "--users must be at least 1";
        }

        if (Organizations < 1)
        {
            yield return "--organizations must be at least 1";
        }

        if (Memberships < 0 || Memberships > (long)Users * Organizations)
        {
            yield return "--memberships must be between 0 and users × organizations";
        }
        else if (Users > 0 && Memberships / Users >= Organizations)
        {
            yield return "--memberships per user must be fewer than --organizations (memberships are distinct pairs)";
        }
        else if (Users > 0 && Organizations > 100 && (Memberships + Users - 1) / Users > Organizations / 2)
        {
            // Each user's organizations are distinct draws from a skewed distribution: with many organizations and
            // nearly all of them wanted, the draws for the rarest ones almost never come.
            yield return "--memberships per user must be at most half of --organizations when there are more than 100 organizations (each user's organizations are distinct draws from a skewed distribution)";
        }

        if (ZipfExponent is < 0 or > 3)
        {
            yield return "--zipf must be between 0 and 3";
        }
    }
}
