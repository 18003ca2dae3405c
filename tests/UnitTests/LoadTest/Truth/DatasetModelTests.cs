using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.UnitTests.LoadTest.Truth;

/// <summary>
/// The ground truth's model holds exactly the rows <c>generate</c> writes: both come from <see cref="DatasetRows"/>, and
/// the rows themselves are pinned so that a change to them (which would change every generated dataset) is noticed.
/// </summary>
public sealed class DatasetModelTests
{
    public static TheoryData<int, int, long, int> Specs() => new()
    {
        { 2_000, 200, 6_000, 42 },
        { 3_000, 350, 9_100, 42 }, // a remainder: the first 100 users have one membership more
        { 500, 40, 300, 5 }, // fewer memberships than users: some users have none
        { 50, 3, 100, 1 }, // members of every organization but one
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_model_holds_every_user_row_the_generator_writes(int users, int organizations, long memberships, int seed)
    {
        var spec = new DatasetSpec(users, organizations, memberships, seed);
        var model = DatasetModel.Build(spec);

        Assert.Equal(users, model.UserCount);
        for (long i = 0; i < users; i++)
        {
            var row = DatasetRows.User(spec, i);
            Assert.Equal(row.Role, model.PlatformRole(i));
            Assert.Equal(row.Banned, model.IsBanned(i));
            Assert.Equal(row.BanExpires, model.BanExpires(i));
        }

        Assert.Equal(Enumerable.Range(0, users).Where(u => DatasetRows.User(spec, u).Banned).Select(u => (long)u), model.BannedUsers);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_model_holds_every_member_row_the_generator_writes_in_its_order(int users, int organizations, long memberships, int seed)
    {
        var spec = new DatasetSpec(users, organizations, memberships, seed);
        var model = DatasetModel.Build(spec);
        var rows = DatasetRows.Memberships(spec).ToList();

        Assert.Equal(memberships, rows.Count);
        Assert.Equal(memberships, model.MembershipTotal);
        Assert.Equal(Enumerable.Range(0, rows.Count).Select(i => (long)i), rows.Select(r => r.Index));
        var byUser = rows.GroupBy(r => r.User).ToDictionary(g => g.Key, g => g.ToList());
        for (long user = 0; user < users; user++)
        {
            var expected = byUser.GetValueOrDefault(user) ?? [];
            Assert.Equal(expected.Count, model.MembershipCount(user));
            Assert.Equal(expected, Enumerable.Range(0, model.MembershipCount(user)).Select(k => model.Membership(user, k)));
            Assert.Equal(expected.Count, expected.Select(m => m.Organization).Distinct().Count());
            foreach (var row in expected)
            {
                Assert.Equal(row, model.FindMembership(user, row.Organization));
                Assert.Equal(row.Role, model.MemberRole(user, row.Organization));
            }
        }

        // Not a member: every (user, organization) pair without a row.
        var pairs = rows.Select(r => (r.User, r.Organization)).ToHashSet();
        for (long user = 0; user < Math.Min(users, 200); user++)
        {
            for (var organization = 0; organization < organizations; organization++)
            {
                Assert.Equal(pairs.Contains((user, organization)), model.FindMembership(user, organization) is not null);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_model_holds_the_organizations_dynamic_roles_and_teams_the_generator_writes(int users, int organizations, long memberships, int seed)
    {
        var spec = new DatasetSpec(users, organizations, memberships, seed);
        var model = DatasetModel.Build(spec);
        var roleRows = Enumerable.Range(0, (int)DatasetRows.OrganizationRoleCount(spec)).Select(i => DatasetRows.OrganizationRole(spec, i)).ToList();

        Assert.NotEmpty(roleRows);
        for (var organization = 0; organization < organizations; organization++)
        {
            var rows = roleRows.Where(r => r.Organization == organization).ToList();
            Assert.Equal(rows.Count > 0, model.HasDynamicRoles(organization));
            Assert.Equal(rows.Select(r => r.Role).Distinct().Order(), model.DynamicRoles(organization).Names.Order());
            Assert.Equal(organization % DatasetSpec.TeamEvery == 0, DatasetModel.HasTeam(organization));
        }

        Assert.All(roleRows, r => Assert.Equal(0, r.Organization % 100));
    }

    [Fact]
    public void Every_hundredth_organization_has_an_auditor_and_a_member_extension()
    {
        var model = DatasetModel.Build(new DatasetSpec(2_000, 250, 6_000));

        Assert.Equal([0, 100, 200], Enumerable.Range(0, 250).Where(model.HasDynamicRoles));
        var roles = model.DynamicRoles(100);
        Assert.Equal(["create"], roles.Actions("auditor", "member")!);
        Assert.Equal(["read"], roles.Actions("auditor", "ac")!);
        Assert.Equal(["create"], roles.Actions("member", "team")!);
        Assert.Same(DynamicRoleSet.Empty, model.DynamicRoles(1));
    }

    [Fact]
    public void The_generated_rows_are_pinned()
    {
        // Computed with the generator before its row functions moved to DatasetRows (the dataset in the database was
        // compared table by table, identical). A change here changes every dataset `generate` writes.
        var spec = new DatasetSpec(3_000, 350, 9_100);
        var text = new StringBuilder();
        for (long i = 0; i < spec.Users; i++)
        {
            var user = DatasetRows.User(spec, i);
            text.Append(user.Id).Append('|').Append(user.Role).Append('|').Append(user.Banned).Append('|').Append(user.BanExpires?.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var membership in DatasetRows.Memberships(spec))
        {
            text.Append(membership.Id).Append('|').Append(membership.User).Append('|').Append(membership.Organization).Append('|').Append(membership.Role).Append('|').Append(DatasetRows.InTeam(spec, membership)).Append('\n');
        }

        for (long i = 0; i < DatasetRows.OrganizationRoleCount(spec); i++)
        {
            var role = DatasetRows.OrganizationRole(spec, i);
            text.Append(role.Id).Append('|').Append(role.Organization).Append('|').Append(role.Role).Append('|').Append(role.Permission).Append('\n');
        }

        Assert.Equal(PinnedRowsHash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))));
    }

    [Fact]
    public void A_million_users_with_three_million_memberships_build_in_seconds_in_a_few_dozen_megabytes()
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var stopwatch = Stopwatch.StartNew();

        var model = DatasetModel.Build(new DatasetSpec(1_000_000, 100_000, 3_000_000));

        var elapsed = stopwatch.Elapsed;
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.Equal(3_000_000, model.MembershipTotal);
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"built in {elapsed.TotalSeconds:F1} s");
        Assert.True(bytes < 64L << 20, $"{bytes / (1 << 20)} MB");
        GC.KeepAlive(model);
    }

    private const string PinnedRowsHash = "542dcb92480bb3f3f02fcc7491cf1e5a6549c5b9cfd3a1bdad08faeed59d2fc7";
}
