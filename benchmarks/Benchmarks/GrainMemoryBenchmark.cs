using Perms.Grains.Interfaces.Checks;
using System.Diagnostics;
using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.Silo.Runtime;

namespace Perms.Benchmarks;

/// <summary>
/// Memory per warm UserGrain with three memberships: activates N users through the real catalog and divides the
/// growth of the managed heap (after full collections) by N. Baseline in the same run: the same N user ids held in a
/// plain array (the cost of the keys alone). Target: ≤ 1 KiB per grain.
/// </summary>
internal static class GrainMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var counts = args.Length > 0 ? args.Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [100_000, 1_000_000];
        var policy = new CompiledPolicy(BetterAuthDefaults.Policy);
        var reader = new InMemoryReader();
        Console.WriteLine("| activations | heap growth per grain | + its user id string (allocated before, kept by the catalog) | = bytes per warm grain | catalog's own estimate | activation time per grain (in memory, no I/O) | a warm check afterwards |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var count in counts)
        {
            var ids = Enumerable.Range(0, count).Select(InMemoryReader.UserId).ToArray();
            var before = Heap();
            using var metrics = new GrainRuntimeMetrics();
            using var users = new GrainCatalog<UserGrain>("user", new UserGrainActivator(reader, policy), new GrainCatalogOptions { MaxStaleness = TimeSpan.FromDays(1), CollectionAge = TimeSpan.FromDays(1) }, TimeProvider.System, metrics);
            using var organizations = new GrainCatalog<OrganizationGrain>("organization", new OrganizationGrainActivator(reader, policy), new GrainCatalogOptions(), TimeProvider.System, metrics);
            var checker = new SiloPermissionChecker(users, organizations, policy, TimeProvider.System, TimeSpan.FromMilliseconds(500));
            var stopwatch = Stopwatch.StartNew();
            var request = PermissionRequest.Of(("ac", ["read"]));
            for (var i = 0; i < count; i += 1000)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(1000, count - i)).Select(k => checker.CheckOrganizationAsync(ids[k], InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(k, 0)), request, ReadConsistency.MinimizeLatency, CancellationToken.None).AsTask()));
            }

            var elapsed = stopwatch.Elapsed;
            var after = Heap();
            var idBytes = 22 + (2 * ids[0].Length);
            var warm = await checker.CheckOrganizationAsync(ids[count / 2], InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(count / 2, 0)), request, ReadConsistency.MinimizeLatency, CancellationToken.None);
            var growth = (after - before) / (double)count;
            Console.WriteLine($"| {count:N0} | {growth:F0} B | {idBytes} B | {growth + idBytes:F0} B | {users.EstimatedBytes / (double)users.Count:F0} B | {elapsed.TotalMicroseconds / count:F2} µs | {(warm.Decision.Allowed ? "allowed" : "DENIED")} |");
            GC.KeepAlive(ids);
        }

        return 0;
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
