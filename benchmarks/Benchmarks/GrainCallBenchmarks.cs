using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.Benchmarks;

/// <summary>
/// The server side of a warm check, in process, on a real Orleans silo: <c>IPermissionChecker.CheckOrganizationAsync</c>
/// (what the gRPC handler calls: a grain reference from a cached grain and interface type, the grain call, the
/// evaluator) against an empty grain call on a cached reference, same run — one hot grain, and 10,000 grains called in
/// turn as the checks call 10,000 users. 10,000 warm users, three memberships each. Target: ≤ 1.2× the empty call, in
/// time and bytes.
/// </summary>
[MemoryDiagnoser]
public class GrainCallBenchmarks
{
    private const int Users = 10_000;

    private InProcessSilo _silo = null!;
    private IPermissionChecker _checker = null!;
    private IEmptyGrain _empty = null!;
    private IEmptyGrain[] _emptyGrains = null!;
    private IGrainFactory _grains = null!;
    private Perms.Silo.Grains.GrainReferences _references = null!;
    private PermissionRequest _request = null!;
    private string[] _userIds = null!;
    private string[] _organizationIds = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _silo = InProcessSilo.StartAsync(new InMemoryReader(), new CompiledPolicy(BetterAuthDefaults.Policy)).GetAwaiter().GetResult();
        _checker = _silo.Checker;
        _grains = _silo.Services.GetRequiredService<IGrainFactory>();
        _references = _silo.Services.GetRequiredService<Perms.Silo.Grains.GrainReferences>();
        _empty = _grains.GetGrain<IEmptyGrain>("empty");
        _request = PermissionRequest.Of(("member", ["create", "update"]), ("team", ["create"]));
        _userIds = [.. Enumerable.Range(0, Users).Select(InMemoryReader.UserId)];
        _organizationIds = [.. Enumerable.Range(0, Users).Select(i => InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(i, 1)))];
        foreach (var (user, organization) in _userIds.Zip(_organizationIds))
        {
            if (!_checker.CheckOrganizationAsync(user, organization, _request, default, CancellationToken.None).AsTask().GetAwaiter().GetResult().Decision.Allowed)
            {
                throw new InvalidOperationException("every benchmark check must be an allow");
            }
        }

        _empty.PingAsync().AsTask().GetAwaiter().GetResult();
        _emptyGrains = [.. Enumerable.Range(0, Users).Select(i => _grains.GetGrain<IEmptyGrain>(_userIds[i]))];
        foreach (var grain in _emptyGrains)
        {
            grain.PingAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _silo.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "empty grain call, cached reference")]
    public ValueTask<int> EmptyGrainCall() => _empty.PingAsync();

    [Benchmark(Description = "empty grain call, GetGrain per call")]
    public ValueTask<int> EmptyGrainCallWithGetGrain() => _grains.GetGrain<IEmptyGrain>("empty").PingAsync();

    [Benchmark(Description = "empty grain call, 10,000 grains in turn (cached references)")]
    public ValueTask<int> EmptyGrainCallAcrossGrains() => _emptyGrains[_next++ % Users].PingAsync();

    [Benchmark(Description = "warm check: the UserGrain call alone (no checker around it)")]
    public ValueTask<CheckResult> WarmCheckGrainCallOnly()
    {
        var i = _next++ % Users;
        return _references.User(_userIds[i]).CheckOrganizationAsync(_organizationIds[i], _request, default, CancellationToken.None);
    }

    [Benchmark(Description = "warm check: IPermissionChecker → UserGrain → evaluator")]
    public ValueTask<CheckResult> WarmCheck()
    {
        var i = _next++ % Users;
        return _checker.CheckOrganizationAsync(_userIds[i], _organizationIds[i], _request, default, CancellationToken.None);
    }
}
