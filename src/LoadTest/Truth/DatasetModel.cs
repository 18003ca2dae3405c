using Perms.LoadTest.Generation;

namespace Perms.LoadTest.Truth;

/// <summary>
/// The generated dataset as the ground truth sees it, recomputed from its <see cref="DatasetSpec"/> with the very
/// row functions <c>generate</c> writes with (<see cref="DatasetRows"/>): per user the platform role, the ban and the
/// memberships (organization, role string); per organization its dynamic roles and whether it has a team. Stored in
/// flat arrays (5 bytes per membership, 1 per user: 1,000,000 users and 3,000,000 memberships take some 16 MB) and
/// built in parallel. Immutable; changes made during a run are the workload's business.
/// </summary>
internal sealed class DatasetModel
{
    private const byte PlatformAdmin = 1;
    private const byte PlatformUser = 2;
    private const byte BannedFlag = 4;
    private const byte BanEndsFlag = 8;
    private const byte PlatformRoleMask = 3;

    private readonly byte[] _users;
    private readonly Dictionary<long, DateTime> _banEnds;
    private readonly long[] _banned;
    private readonly int[] _membershipOrganizations;
    private readonly byte[] _membershipRoles;
    private readonly string[] _roleStrings;
    private readonly DynamicRoleSet[] _dynamicRoles;
    private readonly bool[] _hasDynamicRoles;

    private DatasetModel(
        DatasetSpec spec,
        PermissionOracle oracle,
        byte[] users,
        Dictionary<long, DateTime> banEnds,
        int[] membershipOrganizations,
        byte[] membershipRoles,
        string[] roleStrings,
        DynamicRoleSet[] dynamicRoles,
        bool[] hasDynamicRoles)
    {
        Spec = spec;
        Oracle = oracle;
        _users = users;
        _banEnds = banEnds;
        _membershipOrganizations = membershipOrganizations;
        _membershipRoles = membershipRoles;
        _roleStrings = roleStrings;
        _dynamicRoles = dynamicRoles;
        _hasDynamicRoles = hasDynamicRoles;
        _banned = Enumerable.Range(0, users.Length).Where(u => (users[u] & BannedFlag) != 0).Select(u => (long)u).ToArray();
    }

    /// <summary>The spec the rows derive from.</summary>
    public DatasetSpec Spec { get; }

    /// <summary>The rule the expected answers come from.</summary>
    public PermissionOracle Oracle { get; }

    /// <summary>Number of users.</summary>
    public int UserCount => _users.Length;

    /// <summary>Number of organizations.</summary>
    public int OrganizationCount => _dynamicRoles.Length;

    /// <summary>Number of member rows.</summary>
    public long MembershipTotal => _membershipOrganizations.Length;

    /// <summary>The indexes of the banned users (with or without an end), ascending.</summary>
    public IReadOnlyList<long> BannedUsers => _banned;

    /// <summary>Builds the model over the harness policy (<see cref="PermissionOracle.Harness"/>).</summary>
    public static DatasetModel Build(DatasetSpec spec) => Build(spec, PermissionOracle.Harness);

    /// <summary>Builds the model; <paramref name="oracle"/> is the policy the silo under test runs with.</summary>
    public static DatasetModel Build(DatasetSpec spec, PermissionOracle oracle)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(oracle);
        var problems = spec.Validate().ToList();
        if (spec.Memberships > int.MaxValue)
        {
            problems.Add("--memberships must be at most 2,147,483,647 for the ground truth's arrays");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid dataset spec: {string.Join("; ", problems)}", nameof(spec));
        }

        var users = new byte[spec.Users];
        var organizations = new int[spec.Memberships];
        var roles = new byte[spec.Memberships];
        var roleStrings = DatasetRows.MemberRoles.ToArray();
        var banEnds = new Dictionary<long, DateTime>();
        var zipf = new ZipfSampler(spec.Organizations, spec.ZipfExponent);

        // Users are independent (each has its own seeded random and a computable first row), so ranges build in parallel.
        var chunk = Math.Max(1, spec.Users / (Environment.ProcessorCount * 8));
        Parallel.For(0, (spec.Users + chunk - 1) / chunk, part =>
        {
            var rows = new List<MembershipRow>();
            var localBanEnds = new List<(long, DateTime)>();
            for (long user = (long)part * chunk; user < Math.Min(spec.Users, ((long)part + 1) * chunk); user++)
            {
                var row = DatasetRows.User(spec, user);
                users[user] = (byte)((row.Role switch { "admin" => PlatformAdmin, "user" => PlatformUser, _ => 0 })
                    | (row.Banned ? BannedFlag : 0)
                    | (row.BanExpires is null ? 0 : BanEndsFlag));
                if (row.BanExpires is { } end)
                {
                    localBanEnds.Add((user, end));
                }

                DatasetRows.UserMemberships(spec, zipf, user, rows);
                foreach (var membership in rows)
                {
                    organizations[membership.Index] = membership.Organization;
                    roles[membership.Index] = (byte)Array.IndexOf(roleStrings, membership.Role);
                }
            }

            lock (banEnds)
            {
                foreach (var (user, end) in localBanEnds)
                {
                    banEnds[user] = end;
                }
            }
        });

        var dynamicRows = new List<(string Role, string Permission)>[spec.Organizations];
        for (long i = 0; i < DatasetRows.OrganizationRoleCount(spec); i++)
        {
            var row = DatasetRows.OrganizationRole(spec, i);
            (dynamicRows[row.Organization] ??= []).Add((row.Role, row.Permission));
        }

        var dynamicRoles = dynamicRows.Select(r => r is null ? DynamicRoleSet.Empty : DynamicRoleSet.FromRows(r)).ToArray();
        var hasDynamicRoles = dynamicRows.Select(r => r is not null).ToArray();
        return new DatasetModel(spec, oracle, users, banEnds, organizations, roles, roleStrings, dynamicRoles, hasDynamicRoles);
    }

    /// <summary>The user's platform (admin plugin) role: <c>admin</c>, <c>user</c> or null.</summary>
    public string? PlatformRole(long user) => (_users[user] & PlatformRoleMask) switch
    {
        PlatformAdmin => "admin",
        PlatformUser => "user",
        _ => null,
    };

    /// <summary>The <c>banned</c> column.</summary>
    public bool IsBanned(long user) => (_users[user] & BannedFlag) != 0;

    /// <summary>The <c>banExpires</c> column.</summary>
    public DateTime? BanExpires(long user) => (_users[user] & BanEndsFlag) != 0 ? _banEnds[user] : null;

    /// <summary>How many memberships the user has.</summary>
    public int MembershipCount(long user) => DatasetRows.MembershipCount(Spec, user);

    /// <summary>The user's <paramref name="k"/>-th member row (in the generator's order).</summary>
    public MembershipRow Membership(long user, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, MembershipCount(user));
        var index = DatasetRows.FirstMembershipIndex(Spec, user) + k;
        return new MembershipRow(index, user, _membershipOrganizations[index], _roleStrings[_membershipRoles[index]]);
    }

    /// <summary>The user's member row in the organization; null when the user is not a member there.</summary>
    public MembershipRow? FindMembership(long user, int organization)
    {
        var first = DatasetRows.FirstMembershipIndex(Spec, user);
        var count = MembershipCount(user);
        for (var index = first; index < first + count; index++)
        {
            if (_membershipOrganizations[index] == organization)
            {
                return new MembershipRow(index, user, organization, _roleStrings[_membershipRoles[index]]);
            }
        }

        return null;
    }

    /// <summary>The user's role string in the organization as generated; null when not a member.</summary>
    public string? MemberRole(long user, int organization) => FindMembership(user, organization)?.Role;

    /// <summary>The organization's dynamic roles (empty for most organizations).</summary>
    public DynamicRoleSet DynamicRoles(int organization) =>
        organization >= 0 && organization < _dynamicRoles.Length ? _dynamicRoles[organization] : DynamicRoleSet.Empty;

    /// <summary>Whether the organization has <c>organizationRole</c> rows.</summary>
    public bool HasDynamicRoles(int organization) => organization >= 0 && organization < _hasDynamicRoles.Length && _hasDynamicRoles[organization];

    /// <summary>Whether the organization has a team.</summary>
    public static bool HasTeam(int organization) => DatasetRows.HasTeam(organization);

    /// <summary>The oracle's answer on the generated data (an organization index out of range is an organization that does not exist).</summary>
    public bool IsAllowed(long user, int organization, string resource, string action, DateTime now) =>
        IsAllowedWithRole(user, organization, organization < OrganizationCount ? MemberRole(user, organization) : null, resource, action, now);

    /// <summary>The oracle's answer with <paramref name="memberRole"/> (null: not a member) in place of the generated role.</summary>
    public bool IsAllowedWithRole(long user, int organization, string? memberRole, string resource, string action, DateTime now) =>
        Oracle.IsAllowed(IsBanned(user), BanExpires(user), memberRole, DynamicRoles(organization), resource, action, now);

    /// <summary>The oracle's answer for <paramref name="permissions"/> (resource → actions, one role granting all) with <paramref name="memberRole"/> (null: not a member).</summary>
    public bool IsAllowedWithRole(long user, int organization, string? memberRole, IReadOnlyDictionary<string, string[]> permissions, DateTime now) =>
        Oracle.IsAllowed(IsBanned(user), BanExpires(user), memberRole, DynamicRoles(organization), permissions, now);
}
