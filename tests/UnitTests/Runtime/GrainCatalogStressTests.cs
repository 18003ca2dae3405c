using Perms.Grains.Activation;
using Perms.Grains.Interfaces.Errors;
using Perms.Silo.Runtime;

namespace Perms.UnitTests.Runtime;

/// <summary>
/// Random interleavings of loads, changes and deactivations on many threads. Invariant, checked on every answer: a
/// call that starts after a change has been followed by its deactivation never sees data older than that change.
/// </summary>
public sealed class GrainCatalogStressTests
{
    private const int Keys = 8;

    [Fact]
    public async Task No_answer_is_ever_older_than_the_last_deactivation_before_the_call()
    {
        var data = new int[Keys];             // the "database": a version per key
        var deactivated = new int[Keys];      // the version whose deactivation has completed
        using var metrics = new GrainRuntimeMetrics();
        using var catalog = new GrainCatalog<VersionedGrain>("stress", new VersionedActivator(data), new GrainCatalogOptions(), TimeProvider.System, metrics);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var violations = 0;
        var answers = 0;
        var changes = 0;
        var unavailable = 0;

        async Task Reader(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var key = random.Next(Keys);
                var floor = Volatile.Read(ref deactivated[key]);
                VersionedGrain grain;
                try
                {
                    grain = await catalog.GetAsync($"k{key}", CancellationToken.None);
                }
                catch (StateUnavailableException)
                {
                    // The key changed under several loads in a row: the runtime gives up rather than answer from old
                    // state. An error is allowed; a stale answer is not.
                    Interlocked.Increment(ref unavailable);
                    continue;
                }

                if (grain.Version < floor)
                {
                    Interlocked.Increment(ref violations);
                }

                if (Interlocked.Increment(ref answers) % 8 == 0)
                {
                    await Task.Yield(); // warm calls complete synchronously: let the writers run on 2 cores
                }
            }
        }

        async Task Writer(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var key = random.Next(Keys);
                var version = Interlocked.Increment(ref data[key]);
                catalog.Deactivate($"k{key}", DeactivationCause.Event);
                InterlockedMax(ref deactivated[key], version);
                Interlocked.Increment(ref changes);
                await Task.Yield();
            }
        }

        await Task.WhenAll(
            Enumerable.Range(0, 6).Select(i => Task.Run(() => Reader(i)))
                .Concat(Enumerable.Range(0, 2).Select(i => Task.Run(() => Writer(100 + i)))));

        Assert.Equal(0, violations);
        Assert.True(answers > 1000, $"only {answers} answers ({unavailable} unavailable)");
        Assert.True(changes > 50, $"only {changes} changes");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class VersionedGrain(int version, long loadStartedAt) : IGrain
    {
        public int Version { get; } = version;

        public long LoadStartedAt { get; } = loadStartedAt;

        public int EstimatedBytes => 64;
    }

    private sealed class VersionedActivator(int[] data) : IGrainActivator<VersionedGrain>
    {
        public async Task<VersionedGrain> OnActivateAsync(GrainActivationContext context, CancellationToken cancellationToken)
        {
            var version = Volatile.Read(ref data[int.Parse(context.Key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)]);
            await Task.Yield(); // the read happened; now let changes and deactivations overtake the load
            return new VersionedGrain(version, context.LoadStartedAt);
        }
    }
}
