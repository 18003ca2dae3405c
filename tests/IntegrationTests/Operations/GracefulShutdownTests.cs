using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Health.V1;
using Npgsql;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Cluster;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// SIGTERM with a real signal under load, on a real silo process: health turns NOT_SERVING at once (a Watch stream is
/// told and ends), calls in flight finish — even ones waiting on PostgreSQL — within Perms:Server:DrainTimeout, the NATS
/// subscription is drained, and the process exits 0. Callers see answers or UNAVAILABLE (refused: go elsewhere), never
/// another status and never a wrong answer.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class GracefulShutdownTests(ClusterProcessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterProcessFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Dictionary<string, string> Environment(TimeSpan drain) => new()
    {
        ["Perms__Auth__TokensPath"] = fixture.TokensPath,
        ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
        ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,

        // A load waiting on the test's table lock must outlast the lock, not hit the database or load time limits.
        ["Perms__Database__StatementTimeout"] = "00:01:00",
        ["Perms__Grains__User__LoadTimeout"] = "00:01:00",
        ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
        ["Perms__Events__Url"] = TestEnvironment.NatsUrl.ToString(),
        ["Perms__Events__SubjectPrefix"] = "shutdown" + Guid.NewGuid().ToString("N")[..8] + ".",
        ["Perms__Server__DrainTimeout"] = drain.ToString("c", CultureInfo.InvariantCulture),
    };

    private GrpcCallOptions Caller => new() { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(60) };

    private static CheckPermissionRequest FullyConsistent(int i)
    {
        var check = ClusterProcessFixture.Check(i);
        check.Consistency = new Consistency { FullyConsistent = true };
        return check;
    }

    [Fact]
    public async Task SIGTERM_under_load_lets_calls_in_flight_finish_then_exits_0()
    {
        await using var silo = await SiloProcess.StartAsync(Environment(drain: TimeSpan.FromSeconds(30)));
        await silo.WaitForOutputAsync("Subscribed to change events on NATS", TimeSpan.FromSeconds(30), cancellationToken: Token);
        using var channel = new GrpcChannel(silo.HttpAddress);
        for (var i = 0; i < ClusterProcessFixture.UserCount; i++)
        {
            Assert.Null(ClusterProcessFixture.Verify(i, await channel.CallUnaryAsync(CheckPath, ClusterProcessFixture.Check(i), CheckPermissionResponse.Parser, Caller, Token)));
        }

        // Warm checks from four callers, until the process is gone.
        var outcomes = new ConcurrentQueue<(GrpcStatusCode Status, string? Wrong)>();
        using var stopLoad = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(caller => Task.Run(async () =>
        {
            for (var n = caller; !stopLoad.IsCancellationRequested; n += 4)
            {
                var i = n % ClusterProcessFixture.UserCount;
                try
                {
                    var response = await channel.CallUnaryAsync(CheckPath, ClusterProcessFixture.Check(i), CheckPermissionResponse.Parser, Caller, CancellationToken.None);
                    outcomes.Enqueue((GrpcStatusCode.OK, ClusterProcessFixture.Verify(i, response)));
                }
                catch (GrpcStatusException e)
                {
                    outcomes.Enqueue((e.Code, null));
                    await Task.Delay(10, CancellationToken.None);
                }
            }
        })).ToList();

        // Calls that cannot finish before the test lets them: fully_consistent loads blocked by a lock on the member table.
        await using var locker = new NpgsqlConnection(fixture.OwnerConnectionString);
        await locker.OpenAsync(Token);
        var locking = await locker.BeginTransactionAsync(Token);
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{ClusterProcessFixture.Schema}\".\"member\" IN ACCESS EXCLUSIVE MODE", locker, locking))
        {
            await lockTable.ExecuteNonQueryAsync(Token);
        }

        var blocked = Enumerable.Range(1, 5).Select(i => channel.CallUnaryAsync(CheckPath, FullyConsistent(i), CheckPermissionResponse.Parser, Caller, CancellationToken.None)).ToList();

        // A health watcher: it must hear NOT_SERVING and see its stream end, or it would hold the drain open.
        var watched = new List<HealthCheckResponse.Types.ServingStatus>();
        var watch = Task.Run(async () =>
        {
            await foreach (var status in channel.CallServerStreamingAsync("/grpc.health.v1.Health/Watch", new HealthCheckRequest(), HealthCheckResponse.Parser, cancellationToken: Token))
            {
                lock (watched)
                {
                    watched.Add(status.Status);
                }
            }
        }, Token);
        await Eventually(() => { lock (watched) { return watched.Count > 0; } }, "the first Watch answer");
        await Task.Delay(500, Token);
        Assert.All(blocked, call => Assert.False(call.IsCompleted));

        var terminated = silo.Terminate();
        await watch.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal([HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Types.ServingStatus.NotServing], watched);

        // Draining: the blocked calls are still waiting, and the process with them.
        await Task.Delay(1000, Token);
        Assert.All(blocked, call => Assert.False(call.IsCompleted));
        Assert.True(silo.IsRunning);

        await locking.CommitAsync(Token);
        for (var i = 0; i < blocked.Count; i++)
        {
            Assert.Null(ClusterProcessFixture.Verify(i + 1, await blocked[i].WaitAsync(TimeSpan.FromSeconds(10), Token)));
        }

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exitedAfter = DateTime.UtcNow - terminated;
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        Assert.Equal(0, exitCode);
        Assert.Contains("Drained the change-event subscription", silo.Output, StringComparison.Ordinal);
        var statuses = outcomes.GroupBy(o => o.Status).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"SIGTERM → exit 0 after {exitedAfter.TotalSeconds:F1} s (1 s of it held by the lock); calls: {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}");
        Assert.Empty(outcomes.Where(o => o.Wrong is not null).Select(o => o.Wrong));
        Assert.True(statuses.GetValueOrDefault(GrpcStatusCode.OK) > 0);
        Assert.All(statuses.Keys, status => Assert.Contains(status, new[] { GrpcStatusCode.OK, GrpcStatusCode.Unavailable }));
    }

    [Fact]
    public async Task Calls_that_outlast_the_drain_time_are_ended_and_the_process_still_exits_0()
    {
        var drain = TimeSpan.FromSeconds(2);
        await using var silo = await SiloProcess.StartAsync(Environment(drain));
        using var channel = new GrpcChannel(silo.HttpAddress);
        Assert.Null(ClusterProcessFixture.Verify(0, await channel.CallUnaryAsync(CheckPath, ClusterProcessFixture.Check(0), CheckPermissionResponse.Parser, Caller, Token)));

        await using var locker = new NpgsqlConnection(fixture.OwnerConnectionString);
        await locker.OpenAsync(Token);
        await using var locking = await locker.BeginTransactionAsync(Token);
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{ClusterProcessFixture.Schema}\".\"member\" IN ACCESS EXCLUSIVE MODE", locker, locking))
        {
            await lockTable.ExecuteNonQueryAsync(Token);
        }

        var blocked = channel.CallUnaryAsync(CheckPath, FullyConsistent(3), CheckPermissionResponse.Parser, Caller, CancellationToken.None);
        await Task.Delay(500, Token);
        Assert.False(blocked.IsCompleted);

        var terminated = silo.Terminate();
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exitedAfter = DateTime.UtcNow - terminated;

        // Never an answer the state did not give: the call ends with a status a caller retries elsewhere.
        var failure = await Assert.ThrowsAsync<GrpcStatusException>(() => blocked);
        output.WriteLine($"drain 2 s: exit {exitCode} after {exitedAfter.TotalSeconds:F1} s; the call held past it ended with {failure.Code}: {failure.Detail}");
        Assert.Equal(0, exitCode);
        Assert.Contains(failure.Code, new[] { GrpcStatusCode.Unavailable, GrpcStatusCode.Cancelled });
        Assert.True(exitedAfter < TimeSpan.FromSeconds(20), $"the process took {exitedAfter} to exit with a 2 s drain time");
        await locking.RollbackAsync(Token);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(30); waited += TimeSpan.FromMilliseconds(50))
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(50, Token);
        }

        Assert.Fail($"Waited 30 s for {what}.");
    }
}
