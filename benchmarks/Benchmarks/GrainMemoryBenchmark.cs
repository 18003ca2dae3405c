using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.Benchmarks;

/// <summary>
/// Memory per warm UserGrain with three memberships on Orleans, against an empty Orleans activation in the same run:
/// on one in-process silo, activates N empty grains, then N users through the checker (a warm check each), and
/// divides each growth of the managed heap (after full compacting collections) by N. Both grains' keys are strings
/// of the same length; the user ids are allocated before the first measurement, so neither count includes them.
/// Target: a warm user grain ≤ 1.25× an empty activation.
/// </summary>
internal static class GrainMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var counts = args.Length > 0 ? args.Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [20_000, 100_000];
        Console.WriteLine("| activations | empty Orleans activation | warm UserGrain, 3 memberships | ratio | activation time per user grain (in memory, no I/O) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var count in counts)
        {
            await using var silo = await InProcessSilo.StartAsync(new InMemoryReader(), new CompiledPolicy(BetterAuthDefaults.Policy), new Dictionary<string, string?>
            {
                ["Perms:Grains:User:CollectionAge"] = "1.00:00:00",
                ["Perms:Orleans:ShedActivationsOnMemoryPressure"] = "false",
            });
            var grains = silo.Services.GetRequiredService<IGrainFactory>();
            var userIds = Enumerable.Range(0, count).Select(InMemoryReader.UserId).ToArray();
            var emptyIds = Enumerable.Range(0, count).Select(i => $"empty{i:D27}").ToArray();
            var request = PermissionRequest.Of(("ac", ["read"]));

            var before = Heap();
            for (var i = 0; i < count; i += 1000)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(1000, count - i)).Select(k => grains.GetGrain<IEmptyGrain>(emptyIds[k]).PingAsync().AsTask()));
            }

            var afterEmpty = Heap();
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < count; i += 1000)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(1000, count - i)).Select(k => silo.Checker.CheckOrganizationAsync(userIds[k], InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(k, 0)), request, default, CancellationToken.None).AsTask()));
            }

            var elapsed = stopwatch.Elapsed;
            var afterUsers = Heap();
            var empty = (afterEmpty - before) / (double)count;
            var user = (afterUsers - afterEmpty) / (double)count;
            Console.WriteLine($"| {count:N0} | {empty:F0} B | {user:F0} B | {user / empty:F2}× | {elapsed.TotalMicroseconds / count:F2} µs |");
            GC.KeepAlive(userIds);
            GC.KeepAlive(emptyIds);
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
