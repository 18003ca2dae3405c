using BenchmarkDotNet.Attributes;
using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.Silo.Runtime;

namespace Perms.Benchmarks;

/// <summary>
/// A warm check through the grain runtime in process: catalog lookup of the UserGrain (and, with dynamic roles, the
/// OrganizationGrain), then the evaluator. Baseline: the evaluator alone on the same compiled state, measured in the
/// same run. Target: ≤ 1 µs and zero allocations.
/// </summary>
[MemoryDiagnoser]
public class RuntimeBenchmarks
{
    private readonly List<IDisposable> _disposables = [];
    private IPermissionChecker _static = null!;
    private IPermissionChecker _dynamic = null!;
    private CompiledPolicy _policy = null!;
    private UserGrain _user = null!;
    private PermissionRequest _request = null!;
    private string _userId = null!;
    private string _organizationId = null!;

    [GlobalSetup]
    public void Setup()
    {
        var reader = new InMemoryReader();
        _policy = new CompiledPolicy(BetterAuthDefaults.Policy);
        var dynamicPolicy = new CompiledPolicy(PolicyParser.Parse("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""", "bench"));
        _static = Checker(reader, _policy, 10_000);
        _dynamic = Checker(reader, dynamicPolicy, 10_000);
        _userId = InMemoryReader.UserId(1234);
        _organizationId = InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(1234, 1)); // the user's "admin" membership
        _request = PermissionRequest.Of(("member", ["create", "update"]), ("team", ["create"]));
        _user = new UserGrainActivator(reader, _policy).OnActivateAsync(new GrainActivationContext(_userId, 0), CancellationToken.None).GetAwaiter().GetResult();
        if (!_static.CheckOrganizationAsync(_userId, _organizationId, _request, ReadConsistency.MinimizeLatency, CancellationToken.None).AsTask().GetAwaiter().GetResult().Decision.Allowed
            || !_dynamic.CheckOrganizationAsync(_userId, _organizationId, _request, ReadConsistency.MinimizeLatency, CancellationToken.None).AsTask().GetAwaiter().GetResult().Decision.Allowed)
        {
            throw new InvalidOperationException("the benchmark's check must be an allow");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _disposables.ForEach(d => d.Dispose());

    [Benchmark(Baseline = true, Description = "evaluator only (compiled state in hand)")]
    public PermissionDecision EvaluatorOnly() =>
        PermissionEvaluator.CheckOrganization(_policy, _policy.OrganizationRoles, _user.State.User, _user.State.RolesIn(_organizationId), _request, DateTimeOffset.UnixEpoch);

    [Benchmark(Description = "warm check: UserGrain lookup + evaluator")]
    public CheckResult WarmCheckStaticRoles() => _static.CheckOrganizationAsync(_userId, _organizationId, _request, ReadConsistency.MinimizeLatency, CancellationToken.None).Result;

    [Benchmark(Description = "warm check, dynamic roles: UserGrain + OrganizationGrain + evaluator")]
    public CheckResult WarmCheckDynamicRoles() => _dynamic.CheckOrganizationAsync(_userId, _organizationId, _request, ReadConsistency.MinimizeLatency, CancellationToken.None).Result;

    private SiloPermissionChecker Checker(InMemoryReader reader, CompiledPolicy policy, int users)
    {
        var metrics = new GrainRuntimeMetrics();
        var userCatalog = new GrainCatalog<UserGrain>("user", new UserGrainActivator(reader, policy), new GrainCatalogOptions { MaxStaleness = TimeSpan.FromDays(1) }, TimeProvider.System, metrics);
        var organizationCatalog = new GrainCatalog<OrganizationGrain>("organization", new OrganizationGrainActivator(reader, policy), new GrainCatalogOptions { MaxStaleness = TimeSpan.FromDays(1) }, TimeProvider.System, metrics);
        _disposables.AddRange([metrics, userCatalog, organizationCatalog]);
        var checker = new SiloPermissionChecker(userCatalog, organizationCatalog, policy, TimeProvider.System, TimeSpan.FromMilliseconds(500));

        // A populated catalog, so the lookup is not into a near-empty dictionary.
        for (var i = 0; i < users; i++)
        {
            checker.CheckOrganizationAsync(InMemoryReader.UserId(i), InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(i, 0)), PermissionRequest.Of(("ac", ["read"])), ReadConsistency.MinimizeLatency, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return checker;
    }
}
