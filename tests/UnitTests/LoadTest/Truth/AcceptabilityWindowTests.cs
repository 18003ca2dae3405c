using System.Diagnostics;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.UnitTests.LoadTest.Truth;

/// <summary>
/// Which answers are acceptable around a role change: the old one from before the change until its event is published
/// plus the grace (for a request sent in that window), the new one from the moment the UPDATE starts; for a read of
/// PostgreSQL during the call, the old one only for requests sent before the UPDATE committed.
/// </summary>
public sealed class AcceptabilityWindowTests
{
    private static readonly DatasetModel Model = DatasetModel.Build(new DatasetSpec(2_000, 200, 6_000));

    [Fact]
    public void While_the_update_runs_both_roles_are_acceptable()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var sent = Stopwatch.GetTimestamp();

        workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);

        Assert.True(workload.IsAcceptable(check, check.Expected, sent, freshRead: false));
        Assert.True(workload.IsAcceptable(check, !check.Expected, sent, freshRead: false));
        Assert.True(workload.IsAcceptable(check, check.Expected, sent, freshRead: true));
        Assert.True(workload.IsAcceptable(check, !check.Expected, sent, freshRead: true));
    }

    [Fact]
    public void After_the_commit_a_fresh_read_sent_later_must_see_the_new_role_and_a_cached_one_may_not_yet()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var sentBefore = Stopwatch.GetTimestamp();
        var change = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        workload.Changes.MarkCommitted(change);
        var sentAfter = Stopwatch.GetTimestamp();

        Assert.False(workload.IsAcceptable(check, check.Expected, sentAfter, freshRead: true));
        Assert.True(workload.IsAcceptable(check, !check.Expected, sentAfter, freshRead: true));
        Assert.True(workload.IsAcceptable(check, check.Expected, sentBefore, freshRead: true));
        Assert.True(workload.IsAcceptable(check, check.Expected, sentAfter, freshRead: false));
    }

    [Fact]
    public void After_the_event_and_the_grace_only_the_new_role_is_acceptable_for_requests_sent_then()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var sentBefore = Stopwatch.GetTimestamp();
        var change = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        workload.Changes.MarkCommitted(change);
        workload.Changes.MarkPublished(change, TimeSpan.Zero);
        var sentAfter = Stopwatch.GetTimestamp();

        Assert.False(workload.IsAcceptable(check, check.Expected, sentAfter, freshRead: false));
        Assert.True(workload.IsAcceptable(check, !check.Expected, sentAfter, freshRead: false));
        Assert.False(workload.IsAcceptable(check, check.Expected));

        // A request sent inside the window may still come back with the old role, however late it is answered.
        Assert.True(workload.IsAcceptable(check, check.Expected, sentBefore, freshRead: false));
    }

    [Fact]
    public void Within_the_grace_the_old_role_is_still_acceptable()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var change = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        workload.Changes.MarkCommitted(change);
        workload.Changes.MarkPublished(change, TimeSpan.FromHours(1));

        Assert.True(workload.IsAcceptable(check, check.Expected));
        Assert.True(workload.IsAcceptable(check, !check.Expected));
        Assert.False(workload.IsAcceptable(check, check.Expected, Stopwatch.GetTimestamp(), freshRead: true));
    }

    [Fact]
    public void An_answer_that_came_back_before_the_change_began_cannot_reflect_it()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var sent = Stopwatch.GetTimestamp();
        var answered = Stopwatch.GetTimestamp();
        workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        var roles = new List<string?>();

        Assert.True(workload.Changes.TryGetPossibleRoles(check.UserIndex, check.OrganizationIndex, sent, answered, freshRead: false, roles));
        Assert.Equal([oldRole], roles);
    }

    [Fact]
    public void Successive_changes_each_open_and_close_their_own_window()
    {
        var log = new RoleChangeLog();
        var first = log.Begin(1, 2, "member", "admin");
        log.MarkCommitted(first);
        log.MarkPublished(first, TimeSpan.Zero);
        var betweenTheEvents = Stopwatch.GetTimestamp();
        var second = log.Begin(1, 2, "member", "owner");
        log.MarkCommitted(second);
        var roles = new List<string?>();

        Assert.Equal("admin", second.OldRole);
        Assert.True(log.TryGetPossibleRoles(1, 2, betweenTheEvents, Stopwatch.GetTimestamp(), freshRead: false, roles));
        Assert.Equal(["admin", "owner"], roles);
        Assert.True(log.TryGetPossibleRoles(1, 2, first.Started - 1, Stopwatch.GetTimestamp(), freshRead: false, roles));
        Assert.Equal(["member", "admin", "owner"], roles);
        Assert.True(log.TryGetPossibleRoles(1, 2, Stopwatch.GetTimestamp(), Stopwatch.GetTimestamp(), freshRead: true, roles));
        Assert.Equal(["owner"], roles);
        Assert.Equal("owner", log.CurrentRole(1, 2, "member"));
        Assert.Equal("member", log.CurrentRole(1, 3, "member"));
        Assert.False(log.TryGetPossibleRoles(1, 3, 0, Stopwatch.GetTimestamp(), freshRead: false, roles));
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void A_change_that_never_committed_or_published_keeps_both_roles_acceptable_for_ever()
    {
        var (workload, check, oldRole, newRole) = Membership();
        workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        var later = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3600;

        Assert.True(workload.IsAcceptable(check, check.Expected, later, freshRead: true));
        Assert.True(workload.IsAcceptable(check, !check.Expected, later, freshRead: false));
    }

    [Fact]
    public void A_change_to_one_membership_leaves_the_users_other_organizations_alone()
    {
        var (workload, check, oldRole, newRole) = Membership();
        var change = workload.Changes.Begin(check.UserIndex, check.OrganizationIndex, oldRole, newRole);
        var other = Enumerable.Range(0, Model.MembershipCount(check.UserIndex)).Select(k => Model.Membership(check.UserIndex, k)).First(m => m.Organization != check.OrganizationIndex);
        var otherCheck = new CheckCase(check.UserIndex, other.Organization, check.Permissions, Model.IsAllowedWithRole(check.UserIndex, other.Organization, other.Role, check.Permissions, DateTime.UtcNow));

        Assert.True(workload.IsAcceptable(otherCheck, otherCheck.Expected));
        Assert.False(workload.IsAcceptable(otherCheck, !otherCheck.Expected));
        GC.KeepAlive(change);
    }

    /// <summary>A member check, and a new role that answers it differently.</summary>
    private static (CheckWorkload Workload, CheckCase Check, string OldRole, string NewRole) Membership()
    {
        var workload = new CheckWorkload(Model);
        var now = DateTime.UtcNow;
        for (var i = 0; ; i++)
        {
            var check = workload.Get(i);
            var role = Model.MemberRole(check.UserIndex, check.OrganizationIndex);
            if (role is null || Model.IsBanned(check.UserIndex) || Model.MembershipCount(check.UserIndex) < 2)
            {
                continue;
            }

            var newRole = check.Expected ? "auditor-that-does-not-exist" : "owner";
            if (Model.IsAllowedWithRole(check.UserIndex, check.OrganizationIndex, newRole, check.Permissions, now) != check.Expected)
            {
                return (workload, check, role, newRole);
            }
        }
    }
}
