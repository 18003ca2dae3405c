using System.Collections.Concurrent;
using Perms.Api.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Cluster;

/// <summary>The cluster process tests kill processes and measure time windows: they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    public const string Name = "cluster processes";
}

/// <summary>
/// Issue #8: three silos and a gateway as separate processes on loopback, members through the PostgreSQL membership
/// table (heartbeat 1 s, suspicion 3 s). Every answer is checked against the data (user <c>i</c> may update the
/// organization iff <c>i % 3 == 0</c>): a wrong answer fails the test. Routing: every user through the gateway is
/// answered by its owner. Under load: kill -9 a silo (errors only inside the measured detection window, none wrong,
/// every key served again), add a silo (keys move to it, answers stay correct), restart the gateway (the same client
/// reconnects).
/// </summary>
[Trait("Category", "Integration")]
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterProcessTests(ClusterProcessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterProcessFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";
    private const string InternalCheckPath = "/perms.internal.v1.SiloService/CheckPermission";
    private const string PlacementHeader = "perms-placement";
    private const string NonOwner = "non-owner";

    /// <summary>After the gateway's view changed, calls in flight may still end in an error for this long.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_user_is_answered_correctly_through_the_gateway_by_its_owner()
    {
        await using var cluster = await fixture.StartClusterAsync(3);
        var view = cluster.ExpectedView;
        using var client = new HeaderCalls();

        // Through the gateway: every answer right, none from a silo that does not own the user.
        var viaGateway = await SweepAsync(client, cluster.Gateway.HttpAddress, CheckPath, fixture.CallerAuthorization);
        AssertAllCorrect(viaGateway, "through the gateway", cluster);
        AssertNoneFromNonOwners(viaGateway, "through the gateway", cluster);

        // Through each silo's co-hosted gateway: the same.
        foreach (var silo in cluster.Silos)
        {
            var viaSilo = await SweepAsync(client, silo.HttpAddress, CheckPath, fixture.CallerAuthorization);
            AssertAllCorrect(viaSilo, $"through the public service of {silo}", cluster);
            AssertNoneFromNonOwners(viaSilo, $"through the public service of {silo}", cluster);
        }

        // The internal service answers from the silo itself, right, and says so when it is not the owner: so the
        // gateway's unmarked answers above came from the owners.
        var owned = cluster.Silos.ToDictionary(s => s, _ => 0);
        for (var i = 0; i < ClusterProcessFixture.UserCount; i += 7)
        {
            var owner = ProcessCluster.OwnerOf(i, view);
            foreach (var silo in cluster.Silos)
            {
                var result = await CallAsync(client, silo.HttpAddress, InternalCheckPath, i, fixture.ClusterAuthorization);
                Assert.True(result.Status == 0, $"The internal CheckPermission of {silo} for {ClusterProcessFixture.UserId(i)} failed: {result.Status} {result.Detail}\n{cluster.AllOutput()}");
                Assert.Null(ClusterProcessFixture.Verify(i, result.Response!));
                var expected = silo.Address == owner ? null : NonOwner;
                Assert.True(
                    result.Header(PlacementHeader) == expected,
                    $"{silo} answered {ClusterProcessFixture.UserId(i)} (owner {owner}) on the internal service with {PlacementHeader}: '{result.Header(PlacementHeader)}', expected '{expected}'.");
            }
        }

        // The internal API does not take a caller token.
        var refused = await CallAsync(client, cluster.Silos[0].HttpAddress, InternalCheckPath, 0, fixture.CallerAuthorization);
        Assert.Equal(16, refused.Status); // UNAUTHENTICATED

        for (var i = 0; i < ClusterProcessFixture.UserCount; i++)
        {
            owned[cluster.Silos.Single(s => s.Address == ProcessCluster.OwnerOf(i, view))]++;
        }

        Report($"routing: {ClusterProcessFixture.UserCount} users, owners {string.Join(", ", owned.Select(o => $"{o.Key.Address}: {o.Value}"))}; every answer right through the gateway and each silo, none marked {NonOwner}");
    }

    [Fact]
    public async Task Killing_a_silo_under_load_gives_no_wrong_answer_and_errors_only_until_the_gateway_drops_it()
    {
        await using var cluster = await fixture.StartClusterAsync(3);
        var victim = cluster.Silos[1];
        var before = cluster.ExpectedView;
        var victimUsers = Enumerable.Range(0, ClusterProcessFixture.UserCount).Count(i => ProcessCluster.OwnerOf(i, before) == victim.Address);
        var survivors = cluster.LiveAddresses.Where(a => a != victim.Address).ToHashSet(StringComparer.Ordinal);

        using var channel = new GrpcChannel(cluster.Gateway.HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization);
        await Task.Delay(TimeSpan.FromSeconds(3), Token);

        var observers = cluster.RunningProcesses.Where(p => p != victim).ToList();
        var marks = observers.ToDictionary(p => p, p => p.LineCount);
        var killedAt = victim.Kill();
        var dropped = await Task.WhenAll(observers.Select(p => ProcessCluster.WaitForViewAsync(p, survivors, marks[p], Token)));
        var gatewayDroppedAt = dropped[observers.IndexOf(cluster.Gateway)].At;

        // Keep the load on for a while after the gateway's view changed: the survivors serve the victim's users.
        var until = new[] { killedAt + TimeSpan.FromSeconds(7), gatewayDroppedAt + TimeSpan.FromSeconds(3) }.Max();
        if (until > DateTime.UtcNow)
        {
            await Task.Delay(until - DateTime.UtcNow, Token);
        }

        var records = await load.StopAsync();
        var wrong = records.Where(r => r.Outcome == CallOutcome.Wrong).ToList();
        var errors = records.Where(r => r.Outcome == CallOutcome.Error).ToList();
        var nonOwner = records.Where(r => r.NonOwner).ToList();
        var window = gatewayDroppedAt - killedAt;
        var errorSpan = errors.Count == 0 ? "none" : $"from +{(errors.Min(e => e.End) - killedAt).TotalSeconds:0.00} s to +{(errors.Max(e => e.End) - killedAt).TotalSeconds:0.00} s after the kill";
        Report(
            $"kill -9: detection window (kill → gateway view without the silo): {window.TotalSeconds:0.0} s; " +
            $"silos' views: {string.Join(", ", dropped.Zip(observers).Where(x => x.Second != cluster.Gateway).Select(x => $"{(x.First.At - killedAt).TotalSeconds:0.0} s"))}; " +
            $"checks: {records.Count}, errors: {errors.Count} ({errorSpan}), wrong: {wrong.Count}, answered by a non-owner: {nonOwner.Count}; " +
            $"the victim owned {victimUsers} of {ClusterProcessFixture.UserCount} users");
        foreach (var error in errors.Take(10))
        {
            Report("  error: " + error);
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        Assert.True(records.Count(r => r.Start < killedAt && r.Outcome == CallOutcome.Correct) > 0, "No call succeeded before the kill.");
        var outside = errors.Where(e => !e.Overlaps(killedAt, gatewayDroppedAt + Margin)).ToList();
        Assert.True(
            outside.Count == 0,
            $"{outside.Count} errors outside [kill {killedAt:HH:mm:ss.fff}, gateway view changed {gatewayDroppedAt:HH:mm:ss.fff} + {Margin.TotalSeconds} s], e.g.:\n{string.Join("\n", outside.Take(10))}");
        Assert.True(records.Count(r => r.Start > gatewayDroppedAt + Margin && r.Outcome == CallOutcome.Correct) > 0, "No call succeeded after the view changed.");

        // Successors answer the victim's users while the gateway suspects it (and a survivor whose view lags marks its
        // answers too); once every view changed, the owners answer.
        var lastDroppedAt = dropped.Max(l => l.At);
        var lateNonOwner = nonOwner.Where(r => !r.Overlaps(killedAt, lastDroppedAt + Margin)).ToList();
        Assert.True(lateNonOwner.Count == 0, $"{lateNonOwner.Count} answers outside the detection window came from a non-owner, e.g.:\n{string.Join("\n", lateNonOwner.Take(10))}");

        // Every key is served again, by its new owner.
        using var client = new HeaderCalls();
        var sweep = await SweepAsync(client, cluster.Gateway.HttpAddress, CheckPath, fixture.CallerAuthorization);
        AssertAllCorrect(sweep, "through the gateway after the kill", cluster);
        AssertNoneFromNonOwners(sweep, "through the gateway after the kill", cluster);
    }

    [Fact]
    public async Task Adding_a_silo_under_load_moves_keys_to_it_and_every_answer_stays_correct()
    {
        await using var cluster = await fixture.StartClusterAsync(3);
        var before = cluster.ExpectedView;

        using var channel = new GrpcChannel(cluster.Gateway.HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization);
        await Task.Delay(TimeSpan.FromSeconds(2), Token);

        var addedAt = DateTime.UtcNow;
        var added = await cluster.AddSiloAsync();
        var servingAt = DateTime.UtcNow;
        var converged = await cluster.WaitUntilConvergedAsync(Token);
        var gatewaySawIt = converged[cluster.Gateway].At;
        await Task.Delay(TimeSpan.FromSeconds(2), Token);
        var records = await load.StopAsync();

        var after = cluster.ExpectedView;
        Assert.Equal(4, after.Silos.Length);
        var moved = Enumerable.Range(0, ClusterProcessFixture.UserCount).Where(i => ProcessCluster.OwnerOf(i, before) != ProcessCluster.OwnerOf(i, after)).ToList();
        var wrong = records.Where(r => r.Outcome == CallOutcome.Wrong).ToList();
        var errors = records.Where(r => r.Outcome == CallOutcome.Error).ToList();
        Report(
            $"add a silo: SERVING {(servingAt - addedAt).TotalSeconds:0.0} s after the start, in the gateway's view {(gatewaySawIt - addedAt).TotalSeconds:0.0} s after the start, " +
            $"every view {(converged.Values.Max(l => l.At) - addedAt).TotalSeconds:0.0} s; {moved.Count} of {ClusterProcessFixture.UserCount} users moved to it; " +
            $"checks: {records.Count}, errors: {errors.Count}, wrong: {wrong.Count}, answered by a non-owner: {records.Count(r => r.NonOwner)}");
        foreach (var error in errors.Take(10))
        {
            Report("  error: " + error);
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        Assert.True(errors.Count == 0, $"{errors.Count} calls failed while a silo joined (no process died), e.g.:\n{string.Join("\n", errors.Take(10))}");
        Assert.True(records.Count(r => r.Start > gatewaySawIt && r.Outcome == CallOutcome.Correct) > 0, "No call succeeded after the gateway saw the new silo.");

        // Rendezvous placement moves keys only to the newcomer.
        Assert.NotEmpty(moved);
        Assert.All(moved, i => Assert.Equal(added.Address, ProcessCluster.OwnerOf(i, after)));

        // Every answer through the gateway is right and comes from the owner; the new silo owns the moved users.
        using var client = new HeaderCalls();
        var sweep = await SweepAsync(client, cluster.Gateway.HttpAddress, CheckPath, fixture.CallerAuthorization);
        AssertAllCorrect(sweep, "through the gateway after a silo joined", cluster);
        AssertNoneFromNonOwners(sweep, "through the gateway after a silo joined", cluster);
        foreach (var i in moved.Take(20))
        {
            var result = await CallAsync(client, added.HttpAddress, InternalCheckPath, i, fixture.ClusterAuthorization);
            Assert.True(result.Status == 0, $"The new silo's internal CheckPermission for {ClusterProcessFixture.UserId(i)} failed: {result.Status} {result.Detail}");
            Assert.Null(ClusterProcessFixture.Verify(i, result.Response!));
            Assert.True(result.Header(PlacementHeader) is null, $"The new silo answered {ClusterProcessFixture.UserId(i)}, which moved to it, as a non-owner.");
        }

        var notMoved = Enumerable.Range(0, ClusterProcessFixture.UserCount).First(i => !moved.Contains(i));
        var stranger = await CallAsync(client, added.HttpAddress, InternalCheckPath, notMoved, fixture.ClusterAuthorization);
        Assert.Equal(0, stranger.Status);
        Assert.Equal(NonOwner, stranger.Header(PlacementHeader));
    }

    [Fact]
    public async Task Restarting_the_gateway_fails_calls_only_while_it_is_down_and_the_same_client_reconnects()
    {
        await using var cluster = await fixture.StartClusterAsync(3);
        var gateway = cluster.Gateway;

        using var channel = new GrpcChannel(gateway.HttpAddress);
        await using var load = ClusterLoad.Start(channel, fixture.CallerAuthorization, workers: 2, pause: TimeSpan.FromMilliseconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2), Token);

        var downAt = gateway.Kill();
        var goneAt = DateTime.UtcNow; // the process has exited
        await Task.Delay(TimeSpan.FromSeconds(1), Token);
        var restartAt = DateTime.UtcNow;
        await gateway.RestartAsync();
        var upAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var records = await load.StopAsync();

        var wrong = records.Where(r => r.Outcome == CallOutcome.Wrong).ToList();
        var errors = records.Where(r => r.Outcome == CallOutcome.Error).ToList();
        var lastError = errors.Count == 0 ? "none" : $"{(errors.Max(e => e.End) - upAt).TotalSeconds:+0.00;-0.00} s after SERVING again";
        Report(
            $"gateway restart: down {(upAt - downAt).TotalSeconds:0.0} s (restart to SERVING {(upAt - restartAt).TotalSeconds:0.0} s); " +
            $"checks: {records.Count}, errors: {errors.Count} (last {lastError}), wrong: {wrong.Count}, " +
            $"succeeded after the restart: {records.Count(r => r.Start > upAt && r.Outcome == CallOutcome.Correct)}");

        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, e.g.:\n{string.Join("\n", wrong.Take(10))}");
        Assert.True(records.Count(r => r.End < downAt && r.Outcome == CallOutcome.Correct) > 0, "No call succeeded before the gateway was killed.");

        // While it is down nothing can answer; that is the only time calls may fail.
        var whileDown = records.Where(r => r.Start > goneAt && r.End < restartAt).ToList();
        Assert.NotEmpty(whileDown);
        Assert.All(whileDown, r => Assert.Equal(CallOutcome.Error, r.Outcome));
        var outside = errors.Where(e => !e.Overlaps(downAt, upAt + Margin)).ToList();
        Assert.True(outside.Count == 0, $"{outside.Count} errors outside [kill {downAt:HH:mm:ss.fff}, SERVING again {upAt:HH:mm:ss.fff} + {Margin.TotalSeconds} s], e.g.:\n{string.Join("\n", outside.Take(10))}");

        // The same channel is served again.
        var afterwards = records.Where(r => r.Start > upAt + Margin).ToList();
        Assert.NotEmpty(afterwards);
        Assert.All(afterwards, r => Assert.Equal(CallOutcome.Correct, r.Outcome));
        var again = await channel.CallUnaryAsync(
            CheckPath,
            ClusterProcessFixture.Check(3),
            CheckPermissionResponse.Parser,
            new GrpcCallOptions { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(5) },
            Token);
        Assert.Null(ClusterProcessFixture.Verify(3, again));
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static Task<CheckResult> CallAsync(HeaderCalls client, Uri address, string path, int user, KeyValuePair<string, string> authorization) =>
        client.CheckAsync(address, path, user, authorization, Token);

    /// <summary>Every user once, eight at a time.</summary>
    private static async Task<SortedDictionary<int, CheckResult>> SweepAsync(HeaderCalls client, Uri address, string path, KeyValuePair<string, string> authorization)
    {
        var results = new ConcurrentDictionary<int, CheckResult>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ClusterProcessFixture.UserCount),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Token },
            async (i, _) => results[i] = await CallAsync(client, address, path, i, authorization));
        return new SortedDictionary<int, CheckResult>(results);
    }

    private static void AssertAllCorrect(SortedDictionary<int, CheckResult> results, string how, ProcessCluster cluster)
    {
        var failed = results.Where(r => r.Value.Status != 0).Select(r => $"{ClusterProcessFixture.UserId(r.Key)}: status {r.Value.Status} {r.Value.Detail}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} checks {how} failed, e.g.:\n{string.Join("\n", failed.Take(10))}\n{cluster.AllOutput()}");
        var wrong = results.Select(r => ClusterProcessFixture.Verify(r.Key, r.Value.Response!)).OfType<string>().ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers {how}, e.g.:\n{string.Join("\n", wrong.Take(10))}");
    }

    private static void AssertNoneFromNonOwners(SortedDictionary<int, CheckResult> results, string how, ProcessCluster cluster)
    {
        var view = cluster.ExpectedView;
        var marked = results.Where(r => r.Value.Header(PlacementHeader) is not null)
            .Select(r => $"{ClusterProcessFixture.UserId(r.Key)} (owner {ProcessCluster.OwnerOf(r.Key, view)}): {PlacementHeader}: {r.Value.Header(PlacementHeader)}")
            .ToList();
        Assert.True(marked.Count == 0, $"{marked.Count} of {results.Count} answers {how} came from a silo that does not own the user, e.g.:\n{string.Join("\n", marked.Take(10))}");
    }
}
