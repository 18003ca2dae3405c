using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.Nats;

namespace Perms.IntegrationTests.Events;

/// <summary>
/// The grain runtime's race test, now with real events: while three callers check the same user over gRPC without
/// pause, the test flips the user's role fifty times the way an app without Better Auth hooks would (an UPDATE, then
/// the event through the repository's NATS client). Once any check has seen a flip, no check that starts later (and
/// ends before the next flip) may see the old role again — no stale state comes back through a load in flight, a
/// late event or a reconnect. Every other flip also asks at_least_as_fresh right after the commit, before the event:
/// read-your-writes must hold at once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RealEventRaceTests(EventsServerFixture fixture) : IClassFixture<EventsServerFixture>
{
    private const int Flips = 50;
    private const int Callers = 3;

    [Fact]
    public async Task Concurrent_checks_never_see_a_role_come_back_after_its_change_was_observed()
    {
        var cancel = TestContext.Current.CancellationToken;
        var server = fixture.Server;
        await using var publisher = new NatsConnection(new NatsOptions { Servers = [fixture.Nats.Url], Name = "race-test-app" });
        await publisher.ConnectAsync(cancel);
        await using var database = NpgsqlDataSource.Create(server.SuperuserConnectionString);

        var records = new ConcurrentQueue<(long Started, long Ended, bool Allowed)>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            using var channel = server.CreateChannel();
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var response = await CheckAsync(channel, null, cancel);
                records.Enqueue((started, Stopwatch.GetTimestamp(), response.Allowed));
            }
        }, cancel)).ToArray();

        var phases = new List<(long Committed, long Observed, bool Allowed)>();
        using (var channel = server.CreateChannel())
        {
            var admin = true; // bob is admin in acme (project:create); viewer is not
            for (var flip = 0; flip < Flips; flip++)
            {
                admin = !admin;
                await using (var update = database.CreateCommand("""UPDATE member SET role = $1 WHERE "userId" = $2 AND "organizationId" = $3"""))
                {
                    update.Parameters.Add(new NpgsqlParameter { Value = admin ? "admin" : "viewer" });
                    update.Parameters.Add(new NpgsqlParameter { Value = server.Users["bob"] });
                    update.Parameters.Add(new NpgsqlParameter { Value = server.Organizations["acme"] });
                    Assert.Equal(1, await update.ExecuteNonQueryAsync(cancel));
                }

                var committed = Stopwatch.GetTimestamp();
                if (flip % 2 == 0)
                {
                    var fresh = await CheckAsync(channel, new Consistency { AtLeastAsFresh = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }, cancel);
                    Assert.True(fresh.Allowed == admin, $"flip {flip}: at_least_as_fresh right after the commit answered {fresh.Allowed}");
                }

                var payload = $$"""{"userId":"{{server.Users["bob"]}}","organizationId":"{{server.Organizations["acme"]}}","role":"{{(admin ? "admin" : "viewer")}}","occurredAt":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""";
                await publisher.PublishAsync(server.SubjectPrefix + "member.role.changed", Encoding.UTF8.GetBytes(payload), cancellationToken: cancel);
                await publisher.FlushAsync(cancel);

                var waiting = Stopwatch.StartNew();
                while ((await CheckAsync(channel, null, cancel)).Allowed != admin)
                {
                    Assert.True(waiting.Elapsed < EventsServerFixture.MaxStaleness + TimeSpan.FromSeconds(30), $"flip {flip} never observed");
                }

                phases.Add((committed, Stopwatch.GetTimestamp(), admin));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(callers);

        var judged = 0;
        foreach (var (started, ended, allowed) in records)
        {
            for (var k = 0; k < phases.Count; k++)
            {
                var nextCommit = k + 1 < phases.Count ? phases[k + 1].Committed : long.MaxValue;
                if (started >= phases[k].Observed && ended <= nextCommit)
                {
                    judged++;
                    Assert.True(allowed == phases[k].Allowed, $"a check that started after flip {k} was observed answered the role before it");
                }
            }
        }

        Assert.True(judged > 0, "no concurrent check fell inside an observed phase");
    }

    private Task<CheckPermissionResponse> CheckAsync(GrpcChannel channel, Consistency? consistency, CancellationToken cancellationToken)
    {
        var request = new CheckPermissionRequest { UserId = fixture.Server.Users["bob"], OrganizationId = fixture.Server.Organizations["acme"], Consistency = consistency };
        request.Permissions.Add("project", new Actions { Actions_ = { "create" } });
        return channel.CallUnaryAsync(
            "/perms.v1.PermissionService/CheckPermission",
            request,
            CheckPermissionResponse.Parser,
            new GrpcCallOptions { Headers = [fixture.Server.Authorization], Timeout = TimeSpan.FromSeconds(10) },
            cancellationToken);
    }
}
