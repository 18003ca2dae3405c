using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;
using Perms.Silo.Runtime;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Runtime;

/// <summary>Checks through the grain runtime: which grains a check needs, Better Auth's order, and the warm path.</summary>
public sealed class SiloPermissionCheckerTests : IDisposable
{
    private static readonly DateTimeOffset UserReadAt = new(2026, 11, 22, 11, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset OrganizationReadAt = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeBetterAuthReader _reader = new();
    private readonly ManualTimeProvider _time = new();
    private readonly GrainRuntimeMetrics _metrics = new();
    private readonly List<IDisposable> _disposables = [];

    public SiloPermissionCheckerTests()
    {
        _reader.Users["alice"] = new UserSnapshot("alice", User("alice", role: "user"),
        [
            new MembershipRecord("acme", ["member"], ["team-1"]),
            new MembershipRecord("acme", ["admin"], []),
            new MembershipRecord("broken", ["member"], []),
        ], UserReadAt);
        _reader.Users["banned"] = new UserSnapshot("banned", User("banned", banned: true), [new MembershipRecord("broken", ["owner"], [])], UserReadAt);
        _reader.Organizations["acme"] = new OrganizationSnapshot("acme", true, [new DynamicRoleRow("r1", "acme", "member", """{"report":["export"]}""")], OrganizationReadAt);
        _reader.Organizations["broken"] = new OrganizationSnapshot("broken", true, [new DynamicRoleRow("r9", "broken", "auditor", "{oops")], OrganizationReadAt);
    }

    public void Dispose()
    {
        _disposables.ForEach(d => d.Dispose());
        _metrics.Dispose();
    }

    private SiloPermissionChecker Checker(bool dynamic)
    {
        var policy = PolicyFrom(dynamic ? """{ "organization": { "dynamicAccessControl": { "enabled": true } } }""" : "{}");
        var users = new GrainCatalog<UserGrain>("user", new UserGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, _metrics);
        var organizations = new GrainCatalog<OrganizationGrain>("organization", new OrganizationGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, _metrics);
        _disposables.Add(users);
        _disposables.Add(organizations);
        return new SiloPermissionChecker(users, organizations, policy, _time, TimeSpan.FromMilliseconds(500));
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_member_check_combines_the_user_and_the_organization_and_reports_the_older_read()
    {
        var checker = Checker(dynamic: true);

        var result = await checker.CheckOrganizationAsync("alice", "acme", Request(("report", ["export"])), ReadConsistency.MinimizeLatency, Token);

        Assert.Equal(PermissionDecision.GrantedBy("member"), result.Decision);
        Assert.Equal(OrganizationReadAt, result.StateAsOf);
        Assert.Equal(["member", "admin"], result.Roles);
    }

    [Fact]
    public async Task A_fully_consistent_check_reads_the_user_and_the_organization_for_that_call_only()
    {
        var checker = Checker(dynamic: true);
        await checker.CheckOrganizationAsync("alice", "acme", Request(("report", ["export"])), ReadConsistency.MinimizeLatency, Token);
        _reader.Organizations["acme"] = _reader.Organizations["acme"] with { DynamicRoles = [] };

        var consistent = await checker.CheckOrganizationAsync("alice", "acme", Request(("report", ["export"])), ReadConsistency.FullyConsistent, Token);
        var cached = await checker.CheckOrganizationAsync("alice", "acme", Request(("report", ["export"])), ReadConsistency.MinimizeLatency, Token);

        Assert.False(consistent.Decision.Allowed); // the dynamic role is gone in the database
        Assert.True(cached.Decision.Allowed);      // the cache is untouched by the consistent read
        Assert.Equal(2, _reader.UserReads);
        Assert.Equal(2, _reader.OrganizationReads);
    }

    [Fact]
    public async Task An_at_least_as_fresh_check_reloads_state_read_before_that_time_and_keeps_the_reload()
    {
        var checker = Checker(dynamic: false);
        await checker.CheckOrganizationAsync("alice", "acme", Request(("member", ["create"])), ReadConsistency.MinimizeLatency, Token);
        _time.Advance(TimeSpan.FromSeconds(2));
        var changedAt = _time.GetUtcNow();
        _reader.Users["alice"] = _reader.Users["alice"] with { Memberships = [new MembershipRecord("acme", ["member"], [])] };
        _time.Advance(TimeSpan.FromSeconds(2));

        var fresh = await checker.CheckOrganizationAsync("alice", "acme", Request(("member", ["create"])), ReadConsistency.AtLeastAsFresh(changedAt), Token);
        var again = await checker.CheckOrganizationAsync("alice", "acme", Request(("member", ["create"])), ReadConsistency.AtLeastAsFresh(changedAt), Token);
        var cached = await checker.CheckOrganizationAsync("alice", "acme", Request(("member", ["create"])), ReadConsistency.MinimizeLatency, Token);

        Assert.False(fresh.Decision.Allowed);
        Assert.False(again.Decision.Allowed);
        Assert.False(cached.Decision.Allowed);
        Assert.Equal(2, _reader.UserReads); // the second fresh check found the reload new enough
    }

    [Fact]
    public async Task With_dynamic_roles_off_the_organization_is_never_loaded()
    {
        var checker = Checker(dynamic: false);

        var result = await checker.CheckOrganizationAsync("alice", "acme", Request(("member", ["create"])), ReadConsistency.MinimizeLatency, Token);
        var broken = await checker.CheckOrganizationAsync("alice", "broken", Request(("ac", ["read"])), ReadConsistency.MinimizeLatency, Token);

        Assert.Equal(PermissionDecision.GrantedBy("admin"), result.Decision);
        Assert.Equal(UserReadAt, result.StateAsOf);
        Assert.True(broken.Decision.Allowed);
        Assert.Equal(0, _reader.OrganizationReads);
    }

    [Fact]
    public async Task A_non_member_or_banned_user_is_answered_without_loading_the_organization()
    {
        var checker = Checker(dynamic: true);

        var outsider = await checker.CheckOrganizationAsync("alice", "elsewhere", Request(("ac", ["read"])), ReadConsistency.MinimizeLatency, Token);
        var banned = await checker.CheckOrganizationAsync("banned", "broken", Request(("ac", ["read"])), ReadConsistency.MinimizeLatency, Token);
        var nobody = await checker.CheckOrganizationAsync("nobody", "acme", Request(("ac", ["read"])), ReadConsistency.MinimizeLatency, Token);

        Assert.Equal(DecisionReason.NotAMember, outsider.Decision.Reason);
        Assert.Equal(DecisionReason.Banned, banned.Decision.Reason);
        Assert.Equal(DecisionReason.UserNotFound, nobody.Decision.Reason);
        Assert.Equal(0, _reader.OrganizationReads);
    }

    [Fact]
    public async Task A_malformed_dynamic_role_fails_member_checks_as_invalid_state_never_as_a_decision()
    {
        var checker = Checker(dynamic: true);

        var error = await Assert.ThrowsAsync<DynamicRoleException>(() => checker.CheckOrganizationAsync("alice", "broken", Request(("ac", ["read"])), ReadConsistency.MinimizeLatency, Token).AsTask());

        Assert.IsAssignableFrom<InvalidStateException>(error);
        Assert.Equal("r9", error.RowId);
    }

    [Fact]
    public async Task Platform_checks_use_the_platform_roles_and_the_users_read_time()
    {
        var checker = Checker(dynamic: true);

        var result = await checker.CheckPlatformAsync("alice", Request(("user", ["list"])), ReadConsistency.MinimizeLatency, Token);

        Assert.Equal(DecisionReason.NoRoleGrants, result.Decision.Reason);
        Assert.Equal(UserReadAt, result.StateAsOf);
        Assert.Equal(["user"], result.Roles);
    }

    [Fact]
    public async Task Memberships_come_from_the_user_grain_with_duplicate_rows_unioned()
    {
        var checker = Checker(dynamic: true);

        var result = await checker.GetMembershipsAsync("alice", ReadConsistency.MinimizeLatency, Token);
        var memberships = result.Snapshot;

        Assert.Equal(["acme", "broken"], memberships.Memberships.Select(m => m.OrganizationId));
        Assert.Equal(["member,admin"], memberships.Memberships[0].RoleColumns);
        Assert.Equal(["team-1"], memberships.Memberships[0].TeamIds);
        Assert.Equal(UserReadAt, memberships.ReadAt);
        Assert.Equal(["user"], result.PlatformRoles);
    }

    [Fact]
    public async Task Effective_permissions_list_every_granted_action_with_every_granting_role()
    {
        var checker = Checker(dynamic: true);

        var effective = await checker.GetEffectivePermissionsAsync("alice", "acme", ReadConsistency.MinimizeLatency, Token);
        var banned = await checker.GetEffectivePermissionsAsync("banned", "broken", ReadConsistency.MinimizeLatency, Token);
        var outsider = await checker.GetEffectivePermissionsAsync("alice", "elsewhere", ReadConsistency.MinimizeLatency, Token);

        Assert.Equal(DecisionReason.Allowed, effective.Reason);
        Assert.Equal(["member", "admin"], effective.MemberRoles);
        Assert.Equal(["member", "admin"], effective.Permissions.Single(p => p.Resource == "ac" && p.Action == "read").GrantedByRoles);
        Assert.Equal(["member"], effective.Permissions.Single(p => p.Resource == "report").GrantedByRoles); // the dynamic extension
        Assert.Equal(["admin"], effective.Permissions.Single(p => p.Resource == "member" && p.Action == "delete").GrantedByRoles);
        Assert.DoesNotContain(effective.Permissions, p => p.Resource == "organization" && p.Action == "delete");
        Assert.Equal(OrganizationReadAt, effective.StateAsOf);
        Assert.Equal(DecisionReason.Banned, banned.Reason);
        Assert.Empty(banned.Permissions);
        Assert.Equal(DecisionReason.NotAMember, outsider.Reason);
    }

    [Fact]
    public async Task Warm_checks_complete_synchronously_and_allocate_nothing()
    {
        var checker = Checker(dynamic: true);
        var organization = Request(("report", ["export"]));
        var platform = Request(("user", ["list"]));
        await checker.CheckOrganizationAsync("alice", "acme", organization, ReadConsistency.MinimizeLatency, Token);
        await checker.CheckPlatformAsync("alice", platform, ReadConsistency.MinimizeLatency, Token);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var synchronous = true;
        for (var i = 0; i < 1000; i++)
        {
            var a = checker.CheckOrganizationAsync("alice", "acme", organization, ReadConsistency.MinimizeLatency, CancellationToken.None);
            var b = checker.CheckPlatformAsync("alice", platform, ReadConsistency.MinimizeLatency, CancellationToken.None);
            synchronous &= a.IsCompletedSuccessfully && b.IsCompletedSuccessfully;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(synchronous);
        Assert.Equal(0, allocated);
        Assert.Equal(1, _reader.UserReads);
        Assert.Equal(1, _reader.OrganizationReads);
    }
}
