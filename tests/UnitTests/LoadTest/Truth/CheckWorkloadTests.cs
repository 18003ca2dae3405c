using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.UnitTests.LoadTest.Truth;

/// <summary>The harness's checks: deterministic per sequence, the promised mix of cases, expected answers from the oracle.</summary>
public sealed class CheckWorkloadTests
{
    private const int Sequences = 20_000;
    private static readonly DatasetModel Model = DatasetModel.Build(new DatasetSpec(2_000, 200, 6_000));

    [Fact]
    public void The_same_seed_gives_the_same_cases_in_any_order_and_another_seed_others()
    {
        var first = new CheckWorkload(Model);
        var again = new CheckWorkload(Model, 7);
        var other = new CheckWorkload(Model, 8);

        var forward = Enumerable.Range(0, 1_000).Select(i => first.Get(i)).ToList();
        var backward = Enumerable.Range(0, 1_000).Reverse().Select(i => again.Get(i)).Reverse().ToList();

        Assert.Equal(forward, backward);
        Assert.True(Enumerable.Range(0, 1_000).Count(i => other.Get(i) != forward[i]) > 900);
    }

    [Fact]
    public void About_eighty_percent_ask_members_ten_non_members_and_ten_banned_users()
    {
        var workload = new CheckWorkload(Model);
        var cases = Enumerable.Range(0, Sequences).Select(i => workload.Get(i)).ToList();
        var banned = cases.Count(c => Model.IsBanned(c.UserIndex));
        var nonMembers = cases.Count(c => !Model.IsBanned(c.UserIndex) && Model.FindMembership(c.UserIndex, c.OrganizationIndex) is null);
        var members = cases.Count(c => !Model.IsBanned(c.UserIndex) && Model.FindMembership(c.UserIndex, c.OrganizationIndex) is not null);

        // Random users are banned 1% of the time too.
        Assert.InRange(members, Sequences * 0.76, Sequences * 0.82);
        Assert.InRange(nonMembers, Sequences * 0.08, Sequences * 0.12);
        Assert.InRange(banned, Sequences * 0.09, Sequences * 0.13);
        var bannedMembers = cases.Count(c => Model.IsBanned(c.UserIndex) && Model.FindMembership(c.UserIndex, c.OrganizationIndex) is not null);
        Assert.True(bannedMembers > banned * 0.85, "banned users are asked about their own organizations");
    }

    [Fact]
    public void Cases_ask_about_every_permission_of_the_policy_and_mix_allowed_with_denied()
    {
        var workload = new CheckWorkload(Model);
        var cases = Enumerable.Range(0, Sequences).Select(i => workload.Get(i)).ToList();

        Assert.Equal(Model.Oracle.Permissions.ToHashSet(), cases.SelectMany(c => c.Permissions.SelectMany(p => p.Value.Select(a => (p.Key, a)))).ToHashSet());
        var allowed = cases.Count(c => c.Expected);
        Assert.InRange(allowed, Sequences * 0.05, Sequences * 0.5);
        Assert.Contains(cases, c => c.Expected && Model.HasDynamicRoles(c.OrganizationIndex) && Model.MemberRole(c.UserIndex, c.OrganizationIndex) == "member" && c.Permissions.ContainsKey("team"));
    }

    [Fact]
    public void The_expected_answer_is_the_oracles_on_the_generated_data()
    {
        var workload = new CheckWorkload(Model, 3);
        var now = DateTime.UtcNow;
        for (var i = 0; i < Sequences; i++)
        {
            var check = workload.Get(i);
            var role = check.OrganizationIndex < Model.OrganizationCount ? Model.MemberRole(check.UserIndex, check.OrganizationIndex) : null;
            var expected = Model.Oracle.IsAllowed(Model.IsBanned(check.UserIndex), Model.BanExpires(check.UserIndex), role, Model.DynamicRoles(check.OrganizationIndex), check.Permissions, now);
            Assert.Equal(expected, check.Expected);
            Assert.Equal(DatasetSpec.UserId(check.UserIndex), check.UserId);
        }
    }

    [Fact]
    public void About_fifteen_percent_of_member_cases_ask_for_two_permissions_some_straddling_roles_some_on_one_resource()
    {
        var workload = new CheckWorkload(Model);
        var members = Enumerable.Range(0, Sequences).Select(i => workload.Get(i))
            .Where(c => !Model.IsBanned(c.UserIndex) && Model.FindMembership(c.UserIndex, c.OrganizationIndex) is not null)
            .ToList();
        var multi = members.Where(c => c.ActionCount == 2).ToList();

        Assert.All(members, c => Assert.InRange(c.ActionCount, 1, 2));
        Assert.InRange(multi.Count, members.Count * 0.12, members.Count * 0.18);
        var straddling = multi.Count(c => c.Permissions.Count == 2 && Model.MemberRole(c.UserIndex, c.OrganizationIndex)!.Contains(',', StringComparison.Ordinal));
        var oneResource = multi.Count(c => c.Permissions.Count == 1);
        Assert.InRange(straddling, multi.Count * 0.5, multi.Count * 0.8);
        Assert.InRange(oneResource, multi.Count * 0.2, multi.Count * 0.5);
        Assert.Contains(multi, c => c.Expected);
        Assert.Contains(multi, c => !c.Expected);
    }

    [Fact]
    public void A_rule_combining_roles_would_disagree_with_the_oracle_on_generated_cases()
    {
        var workload = new CheckWorkload(Model);
        var now = DateTime.UtcNow;
        var cases = Enumerable.Range(0, Sequences).Select(i => workload.Get(i)).ToList();

        var disagreements = cases.Where(c => CombiningRoles(c, now) != c.Expected).ToList();

        Assert.True(disagreements.Count > Sequences / 200, $"{disagreements.Count} straddling cases");
        Assert.All(disagreements, c => Assert.False(c.Expected));
        Assert.All(disagreements, c => Assert.Equal("member,auditor", Model.MemberRole(c.UserIndex, c.OrganizationIndex)));
        Assert.All(disagreements, c => Assert.True(Model.HasDynamicRoles(c.OrganizationIndex)));
    }

    [Fact]
    public void Multi_permission_cases_are_judged_with_one_role_granting_all_after_a_change()
    {
        var workload = new CheckWorkload(Model);
        var check = Enumerable.Range(0, Sequences).Select(i => workload.Get(i)).First(c => !c.Expected && c.Permissions.Count == 2 && CombiningRoles(c, DateTime.UtcNow));

        // auditor grants member:create, member (extended) team:create, owner both: the new role alone allows.
        var change = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, "member,auditor", "owner");
        workload.Changes.MarkCommitted(change);
        workload.Changes.MarkPublished(change, TimeSpan.Zero);
        Thread.Sleep(1);

        Assert.True(workload.IsAcceptable(check, true));
        Assert.False(workload.IsAcceptable(check, false));
        var back = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, "member,auditor", "auditor,member");
        workload.Changes.MarkCommitted(back);
        workload.Changes.MarkPublished(back, TimeSpan.Zero);
        Thread.Sleep(1);

        Assert.False(workload.IsAcceptable(check, true));
        Assert.True(workload.IsAcceptable(check, false));
    }

    /// <summary>The wrong rule a buggy engine could follow: every action granted by some role of the list, not one role granting all.</summary>
    private static bool CombiningRoles(CheckCase check, DateTime now)
    {
        var role = check.OrganizationIndex < Model.OrganizationCount ? Model.MemberRole(check.UserIndex, check.OrganizationIndex) : null;
        return role is not null && check.Permissions.All(p => p.Value.All(action =>
            PermissionOracle.ParseRoleList(role).Any(r => Model.IsAllowedWithRole(check.UserIndex, check.OrganizationIndex, r, p.Key, action, now))));
    }

    [Fact]
    public void In_user_order_request_n_asks_about_user_n()
    {
        var workload = CheckWorkload.InUserOrder(Model);

        Assert.All(Enumerable.Range(0, 5_000), i => Assert.Equal(i % Model.UserCount, workload.Get(i).UserIndex));
        var nonMembers = Enumerable.Range(0, 2_000).Count(i => Model.FindMembership(i, workload.Get(i).OrganizationIndex) is null);
        Assert.InRange(nonMembers, 120, 280);
    }

    [Fact]
    public void A_user_in_every_organization_is_asked_about_one_that_does_not_exist()
    {
        var model = DatasetModel.Build(new DatasetSpec(10, 3, 21)); // user 0 has the one membership left over: all three
        var workload = new CheckWorkload(model);

        var outside = Enumerable.Range(0, 5_000).Select(i => workload.Get(i)).Where(c => c.UserIndex == 0 && model.FindMembership(0, c.OrganizationIndex) is null).ToList();

        Assert.NotEmpty(outside);
        Assert.All(outside, c => Assert.Equal(3, c.OrganizationIndex));
        Assert.All(outside, c => Assert.False(c.Expected));
    }

    [Fact]
    public void Without_changes_only_the_expected_answer_is_acceptable()
    {
        var workload = new CheckWorkload(Model);
        for (var i = 0; i < 1_000; i++)
        {
            var check = workload.Get(i);
            Assert.True(workload.IsAcceptable(check, check.Expected));
            Assert.False(workload.IsAcceptable(check, !check.Expected));
            Assert.False(workload.IsAcceptable(check, !check.Expected, 0, freshRead: true));
        }
    }
}
