using BenchmarkDotNet.Attributes;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.Benchmarks;

/// <summary>
/// One evaluation of a permission check over compiled state (no I/O), the innermost step of every CheckPermission.
/// Baseline: the simplest allow (one role, one action). Target: ≤ 1 µs and zero allocations for every case.
/// </summary>
[MemoryDiagnoser]
public class EvaluatorBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddYears(56);

    private readonly UserRecord _user = new("u1", "user,admin", Banned: false, BanExpires: null);
    private CompiledPolicy _policy = null!;
    private RoleSet _staticRoles = null!;
    private RoleSet _dynamicRoles = null!;
    private RoleNames _owner = null!;
    private RoleNames _threeRoles = null!;
    private RoleNames _dynamicMember = null!;
    private RoleNames _platformRoles = null!;
    private PermissionRequest _oneAction = null!;
    private PermissionRequest _threeResources = null!;
    private PermissionRequest _deniedEverywhere = null!;
    private PermissionRequest _dynamicRequest = null!;
    private PermissionRequest _platformRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = new CompiledPolicy(PolicyParser.Parse("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""", "bench"));
        _staticRoles = _policy.OrganizationRoles;

        // An organization with 50 dynamic roles, one of which extends the static "member" role.
        var rows = Enumerable.Range(0, 50)
            .Select(i => new DynamicRoleRow($"r{i}", "org1", $"custom-{i}", $$"""{"project-{{i}}":["read","write"],"member":["create"]}"""))
            .Append(new DynamicRoleRow("r-member", "org1", "member", """{"report":["export"]}"""));
        _dynamicRoles = _policy.RolesForOrganization("org1", rows);

        _owner = RoleNames.ParseOrganization("owner");
        _threeRoles = RoleNames.ParseOrganization("member, custom-role, admin");
        _dynamicMember = RoleNames.ParseOrganization("custom-7,member");
        _platformRoles = _policy.PlatformRolesOf(_user);

        _oneAction = PermissionRequest.Of(("member", ["create"]));
        _threeResources = PermissionRequest.Of(("member", ["create", "update"]), ("team", ["create", "update"]), ("invitation", ["create", "cancel"]));
        _deniedEverywhere = PermissionRequest.Of(("organization", ["delete"]), ("member", ["delete"]));
        _dynamicRequest = PermissionRequest.Of(("ac", ["read"]), ("report", ["export"]));
        _platformRequest = PermissionRequest.Of(("user", ["ban", "list"]), ("session", ["revoke"]));
    }

    [Benchmark(Baseline = true, Description = "allow: 1 role, 1 action")]
    public PermissionDecision OneRoleOneAction() =>
        PermissionEvaluator.CheckOrganization(_policy, _staticRoles, _user, _owner, _oneAction, Now);

    [Benchmark(Description = "allow: 3rd of 3 roles, 3 resources x 2 actions")]
    public PermissionDecision ThirdRoleGrantsThreeResources() =>
        PermissionEvaluator.CheckOrganization(_policy, _staticRoles, _user, _threeRoles, _threeResources, Now);

    [Benchmark(Description = "deny: no role grants (3 roles tried)")]
    public PermissionDecision NoRoleGrants() =>
        PermissionEvaluator.CheckOrganization(_policy, _staticRoles, _user, _threeRoles, _deniedEverywhere, Now);

    [Benchmark(Description = "allow: dynamic role set of 53 roles")]
    public PermissionDecision DynamicRoles() =>
        PermissionEvaluator.CheckOrganization(_policy, _dynamicRoles, _user, _dynamicMember, _dynamicRequest, Now);

    [Benchmark(Description = "platform: admin plugin, 2 resources")]
    public PermissionDecision Platform() =>
        PermissionEvaluator.CheckPlatform(_policy, _user, _platformRoles, _platformRequest, Now);
}
