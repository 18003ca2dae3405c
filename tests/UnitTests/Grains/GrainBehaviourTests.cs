using Perms.Grains.Data;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Grains;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.State;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Grains;

/// <summary>
/// UserGrain and OrganizationGrain on a real Orleans cluster (TestingHost): lazy loads, one load in flight, an
/// invalidation that overtakes a load, the staleness bound, consistency per call, failures and their back-off. Each
/// test uses keys of its own; the cluster is shared by the class.
/// </summary>
public sealed class GrainBehaviourTests(GrainClusterFixture cluster) : IClassFixture<GrainClusterFixture>
{
    private static readonly DateTimeOffset ReadAt = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly PermissionRequest ReadProject = Request(("organization", ["update"]));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private void Member(string user, string organization, string role) =>
        cluster.Reader.Users[user] = new UserSnapshot(user, User(user), [new MembershipRecord(organization, [role], [])], ReadAt);

    private ValueTask<CheckResult> Check(string user, string organization, ReadConsistency consistency = default) =>
        cluster.Grains.GetGrain<IUserGrain>(user).CheckOrganizationAsync(organization, ReadProject, consistency, Token);

    [Fact]
    public async Task A_warm_check_is_answered_from_memory()
    {
        Member("warm-u", "warm-o", "admin");

        Assert.True((await Check("warm-u", "warm-o")).Decision.Allowed);
        Assert.True((await Check("warm-u", "warm-o")).Decision.Allowed);

        Assert.Equal(1, cluster.Reader.ReadsOf("warm-u"));
        Assert.Equal(1, cluster.Reader.ReadsOf("warm-o")); // dynamic roles on: the organization's grain was asked once
    }

    [Fact]
    public async Task Concurrent_checks_of_a_cold_user_share_one_load()
    {
        Member("flight-u", "flight-o", "member");
        var (started, release) = cluster.Reader.Hold("flight-u");
        var checks = Enumerable.Range(0, 20).Select(_ => Check("flight-u", "flight-o").AsTask()).ToArray();
        await started.WaitAsync(Token);

        release.SetResult();
        var answers = await Task.WhenAll(checks);

        Assert.All(answers, a => Assert.False(a.Decision.Allowed));
        Assert.Equal(1, cluster.Reader.ReadsOf("flight-u"));
    }

    [Fact]
    public async Task An_invalidation_during_a_load_keeps_that_load_from_being_installed()
    {
        Member("race-u", "race-o", "member");
        var (started, release) = cluster.Reader.Hold("race-u");
        var check = Check("race-u", "race-o").AsTask();
        await started.WaitAsync(Token);

        // The change lands while the old rows are being read; its event reaches the grain before the read returns.
        Member("race-u", "race-o", "owner");
        Assert.Equal(1, await cluster.Invalidator.InvalidateUserAsync("race-u"));
        release.SetResult();

        var answer = await check;
        Assert.True(answer.Decision.Allowed);
        Assert.Equal("owner", answer.Decision.GrantedByRole);
        Assert.Equal(2, cluster.Reader.ReadsOf("race-u"));
    }

    [Fact]
    public async Task An_invalidation_of_a_grain_that_holds_nothing_loads_nothing()
    {
        Member("idle-u", "idle-o", "admin");

        Assert.Equal(0, await cluster.Invalidator.InvalidateUserAsync("idle-u"));
        Assert.False(await cluster.Grains.GetGrain<IUserGrain>("idle-u2").InvalidateAsync());
        Assert.Equal((0, 0), await cluster.Invalidator.InvalidateOrganizationAsync("idle-o", withMembers: true));

        Assert.Equal(0, cluster.Reader.ReadsOf("idle-u"));
        Assert.Equal(0, cluster.Reader.ReadsOf("idle-u2"));
        Assert.Equal(0, cluster.Reader.ReadsOf("idle-o"));
    }

    [Fact]
    public async Task An_organization_deletion_drops_the_organization_and_its_members_only()
    {
        Member("del-a", "del-o", "admin");
        Member("del-b", "del-other", "admin");
        await Check("del-a", "del-o");
        await Check("del-b", "del-other");

        var (organizations, members) = await cluster.Invalidator.InvalidateOrganizationAsync("del-o", withMembers: true);
        await Check("del-a", "del-o");
        await Check("del-b", "del-other");

        Assert.Equal((1, 1), (organizations, members));
        Assert.Equal(2, cluster.Reader.ReadsOf("del-a"));
        Assert.Equal(1, cluster.Reader.ReadsOf("del-b"));
        Assert.Equal(2, cluster.Reader.ReadsOf("del-o"));
    }

    [Fact]
    public async Task State_older_than_the_maximum_staleness_is_read_again()
    {
        Member("stale-u", "stale-o", "admin");
        await Check("stale-u", "stale-o");

        await Task.Delay(GrainClusterFixture.MaxStaleness + TimeSpan.FromMilliseconds(200), Token);
        await Check("stale-u", "stale-o");

        Assert.Equal(2, cluster.Reader.ReadsOf("stale-u"));
    }

    [Fact]
    public async Task Marking_the_silo_stale_makes_every_grain_read_again_on_its_next_call()
    {
        Member("epoch-u", "epoch-o", "admin");
        await Check("epoch-u", "epoch-o");

        cluster.Invalidator.MarkAllStale();
        await Check("epoch-u", "epoch-o");

        Assert.Equal(2, cluster.Reader.ReadsOf("epoch-u"));
    }

    [Fact]
    public async Task Fully_consistent_reads_every_time_and_at_least_as_fresh_reloads_older_state()
    {
        Member("fresh-u", "fresh-o", "admin");
        await Check("fresh-u", "fresh-o");

        await Check("fresh-u", "fresh-o", ReadConsistency.FullyConsistent);
        await Check("fresh-u", "fresh-o", ReadConsistency.FullyConsistent);
        Assert.Equal(3, cluster.Reader.ReadsOf("fresh-u"));

        // A fully consistent read is not installed: the cached state still answers a plain check.
        await Check("fresh-u", "fresh-o");
        Assert.Equal(3, cluster.Reader.ReadsOf("fresh-u"));

        await Check("fresh-u", "fresh-o", ReadConsistency.AtLeastAsFresh(DateTimeOffset.UtcNow));
        await Check("fresh-u", "fresh-o");
        Assert.Equal(4, cluster.Reader.ReadsOf("fresh-u"));
    }

    [Fact]
    public async Task A_failed_load_is_an_error_never_a_decision_and_is_repeated_within_its_back_off()
    {
        Member("fail-u", "fail-o", "admin");
        cluster.Reader.Failures["fail-u"] = new BetterAuthReadException("connection refused", isTransient: true);

        var first = await Assert.ThrowsAsync<StateUnavailableException>(async () => await Check("fail-u", "fail-o"));
        var second = await Assert.ThrowsAsync<StateUnavailableException>(async () => await Check("fail-u", "fail-o"));

        Assert.Contains("connection refused", first.Message, StringComparison.Ordinal);
        Assert.Contains("back-off", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Reader.ReadsOf("fail-u"));
    }

    [Fact]
    public async Task A_malformed_dynamic_role_fails_the_members_checks_with_invalid_state()
    {
        Member("bad-u", "bad-o", "auditor");
        cluster.Reader.Organizations["bad-o"] = new OrganizationSnapshot("bad-o", true, [Row("auditor", "{not json", "row-9") with { OrganizationId = "bad-o" }], ReadAt);

        var error = await Assert.ThrowsAnyAsync<InvalidStateException>(async () => await Check("bad-u", "bad-o"));

        Assert.Contains("row-9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_load_slower_than_the_load_timeout_is_unavailable()
    {
        Member("slow-u", "slow-o", "admin");
        var (_, release) = cluster.Reader.Hold("slow-u");

        var error = await Assert.ThrowsAsync<StateUnavailableException>(async () => await Check("slow-u", "slow-o"));
        release.SetResult();

        Assert.Contains("loading took longer than", error.Message, StringComparison.Ordinal);
    }
}
