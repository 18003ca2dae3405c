namespace Perms.LoadTest.Generation;

/// <summary>
/// Every choice <c>generate</c> makes, as pure functions of the <see cref="DatasetSpec"/> and a row index. The
/// generator writes these rows and the ground truth (<c>Truth.DatasetModel</c>) recomputes them, so the two can never
/// disagree. Per-row randomness comes from (seed, stream, index): any row can be recomputed alone, in any order.
/// </summary>
internal static class DatasetRows
{
    /// <summary>The <c>createdAt</c> of every generated row.</summary>
    public static readonly DateTime CreatedAt = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The <c>banExpires</c> of the banned users whose ban has an end.</summary>
    public static readonly DateTime BanEnd = new(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Every membership's role string, the only ones the generator writes.</summary>
    public static IReadOnlyList<string> MemberRoles { get; } = ["owner", "admin", "admin,member", "member,auditor", "member"];

    private const int UserStream = 1;
    private const int MembershipStream = 2;
    private const int TeamStream = 3;

    /// <summary>The user of index <paramref name="i"/>.</summary>
    public static UserRow User(DatasetSpec spec, long i)
    {
        var random = new Random(RowSeed(spec.Seed, UserStream, i));
        var roll = random.NextDouble();
        var role = roll < DatasetSpec.PlatformAdminShare ? "admin" : roll < 0.02 ? null : "user";
        var banned = random.NextDouble() < DatasetSpec.BannedShare;
        DateTime? banExpires = banned && random.Next(2) == 0 ? BanEnd : null;
        return new UserRow(i, role, banned, banExpires);
    }

    /// <summary>How many member rows user <paramref name="user"/> has.</summary>
    public static int MembershipCount(DatasetSpec spec, long user) =>
        (int)(spec.Memberships / spec.Users) + (user < spec.Memberships % spec.Users ? 1 : 0);

    /// <summary>The index of user <paramref name="user"/>'s first member row (rows are numbered user by user).</summary>
    public static long FirstMembershipIndex(DatasetSpec spec, long user) =>
        user * (spec.Memberships / spec.Users) + Math.Min(user, spec.Memberships % spec.Users);

    /// <summary>
    /// Appends user <paramref name="user"/>'s member rows to <paramref name="into"/> (cleared first): distinct
    /// organizations drawn from the Zipf distribution, each with a role.
    /// </summary>
    public static void UserMemberships(DatasetSpec spec, ZipfSampler zipf, long user, List<MembershipRow> into)
    {
        into.Clear();
        var random = new Random(RowSeed(spec.Seed, MembershipStream, user));
        var count = MembershipCount(spec, user);
        Span<int> chosen = count <= 256 ? stackalloc int[count] : new int[count];
        var found = 0;
        while (found < count)
        {
            var organization = zipf.Next(random);
            if (!chosen[..found].Contains(organization))
            {
                chosen[found++] = organization;
            }
        }

        var index = FirstMembershipIndex(spec, user);
        foreach (var organization in chosen)
        {
            var roll = random.NextDouble();
            var role = roll < 0.05 ? MemberRoles[0] : roll < 0.15 ? MemberRoles[1] : roll < 0.18 ? MemberRoles[2] : roll < 0.19 ? MemberRoles[3] : MemberRoles[4];
            into.Add(new MembershipRow(index++, user, organization, role));
        }
    }

    /// <summary>Every member row, in order (so member, team and team-member COPYs agree without holding them all).</summary>
    public static IEnumerable<MembershipRow> Memberships(DatasetSpec spec)
    {
        var zipf = new ZipfSampler(spec.Organizations, spec.ZipfExponent);
        var rows = new List<MembershipRow>();
        for (long user = 0; user < spec.Users; user++)
        {
            UserMemberships(spec, zipf, user, rows);
            foreach (var row in rows)
            {
                yield return row;
            }
        }
    }

    /// <summary>Whether organization <paramref name="organization"/> has a team (<see cref="DatasetSpec.TeamId"/>).</summary>
    public static bool HasTeam(long organization) => organization % DatasetSpec.TeamEvery == 0;

    /// <summary>Members of an organization that has a team join it with a fixed share, chosen by the member index.</summary>
    public static bool InTeam(DatasetSpec spec, MembershipRow membership) =>
        HasTeam(membership.Organization) && (uint)RowSeed(spec.Seed, TeamStream, membership.Index) % 100 < DatasetSpec.TeamMemberPercent;

    /// <summary>How many <c>organizationRole</c> rows there are (two per organization that has dynamic roles).</summary>
    public static long OrganizationRoleCount(DatasetSpec spec) => (long)Math.Ceiling(spec.Organizations * DatasetSpec.DynamicRoleShare) * 2;

    /// <summary>
    /// The <c>organizationRole</c> row of index <paramref name="i"/>: every 1/DynamicRoleShare-th organization gets two
    /// rows, a new role <c>auditor</c> and one extending <c>member</c>.
    /// </summary>
    public static OrganizationRoleRow OrganizationRole(DatasetSpec spec, long i)
    {
        var organization = (int)(i / 2 * (long)Math.Round(1 / DatasetSpec.DynamicRoleShare) % spec.Organizations);
        return i % 2 == 1
            ? new OrganizationRoleRow(i, organization, "member", """{"team":["create"]}""")
            : new OrganizationRoleRow(i, organization, "auditor", """{"member":["create"],"ac":["read"]}""");
    }

    /// <summary>A per-row seed from (seed, stream, index) with SplitMix64: stable across runs and processes, unlike HashCode.</summary>
    public static int RowSeed(int seed, int stream, long index)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream * 0xBF58476D1CE4E5B9UL + (ulong)index);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}
