using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Perms.Grains.Activation;
using Perms.Grains.Interfaces.State;
using Perms.Silo.Events;
using Perms.Silo.Runtime;
using Perms.UnitTests.Grpc;
using Perms.UnitTests.Runtime;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Events;

/// <summary>What each event deactivates, idempotence, loads in flight, bad input, and the metrics.</summary>
public sealed class ChangeEventHandlerTests : IDisposable
{
    private static readonly DateTimeOffset ReadAt = new(2026, 11, 22, 11, 0, 0, TimeSpan.Zero);

    private readonly FakeBetterAuthReader _reader = new();
    private readonly ManualTimeProvider _time = new();
    private readonly GrainRuntimeMetrics _runtimeMetrics = new();
    private readonly EventMetrics _metrics = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly GrainCatalog<UserGrain> _users;
    private readonly GrainCatalog<OrganizationGrain> _organizations;
    private readonly List<(string Name, double Value, string Tags)> _measured = [];
    private readonly MeterListener _listener = new();

    public ChangeEventHandlerTests()
    {
        var policy = PolicyFrom("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""");
        foreach (var (user, organizations) in new[] { ("alice", new[] { "acme", "globex" }), ("bob", ["acme"]), ("carol", ["globex"]) })
        {
            _reader.Users[user] = new UserSnapshot(user, User(user), [.. organizations.Select(o => new MembershipRecord(o, ["member"], []))], ReadAt);
        }

        foreach (var organization in new[] { "acme", "globex" })
        {
            _reader.Organizations[organization] = new OrganizationSnapshot(organization, true, [], ReadAt);
        }

        _users = new GrainCatalog<UserGrain>("user", new UserGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, _runtimeMetrics);
        _organizations = new GrainCatalog<OrganizationGrain>("organization", new OrganizationGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, _runtimeMetrics);
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measured.Add((i.Name, v, Describe(tags))));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measured.Add((i.Name, v, Describe(tags))));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _users.Dispose();
        _organizations.Dispose();
        _metrics.Dispose();
        _runtimeMetrics.Dispose();
        _loggerFactory.Dispose();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ChangeEventHandler Handler(string prefix = "") =>
        new(_users, _organizations, _metrics, _time, _loggerFactory.CreateLogger<ChangeEventHandler>(), prefix);

    private async Task WarmEverything()
    {
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            await _users.GetAsync(user, Token);
        }

        await _organizations.GetAsync("acme", Token);
        await _organizations.GetAsync("globex", Token);
    }

    private string[] Users() => [.. new[] { "alice", "bob", "carol" }.Where(u => _users.Peek(u) is not null)];

    private string[] Organizations() => [.. new[] { "acme", "globex" }.Where(o => _organizations.Peek(o) is not null)];

    private static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    [Theory]
    [InlineData("member.role.changed", """{"userId":"bob","organizationId":"acme","role":"admin","occurredAt":0}""")]
    [InlineData("member.removed", """{"userId":"bob","organizationId":"acme","occurredAt":0}""")]
    [InlineData("member.added", """{"userId":"bob","organizationId":"acme","occurredAt":0}""")]
    [InlineData("team.member.changed", """{"userId":"bob","organizationId":"acme","teamId":"t1","occurredAt":0}""")]
    [InlineData("user.updated", """{"userId":"bob","occurredAt":0}""")]
    [InlineData("user.deleted", """{"userId":"bob","occurredAt":0}""")]
    public async Task Member_team_and_user_events_deactivate_exactly_that_users_grain(string subject, string json)
    {
        await WarmEverything();

        var deactivated = Handler().Handle(subject, Json(json));

        Assert.Equal(1, deactivated);
        Assert.Equal(["alice", "carol"], Users());
        Assert.Equal(["acme", "globex"], Organizations());
    }

    [Fact]
    public async Task A_dynamic_role_change_deactivates_that_organizations_grain_only()
    {
        await WarmEverything();

        Handler().Handle("organization.role.changed", Json("""{"organizationId":"acme","role":"auditor","occurredAt":0}"""));

        Assert.Equal(["globex"], Organizations());
        Assert.Equal(["alice", "bob", "carol"], Users());
    }

    [Fact]
    public async Task An_organization_deletion_deactivates_it_and_every_member_holding_it()
    {
        await WarmEverything();

        var deactivated = Handler().Handle("organization.deleted", Json("""{"organizationId":"acme","occurredAt":0}"""));

        Assert.Equal(3, deactivated);
        Assert.Equal(["carol"], Users());
        Assert.Equal(["globex"], Organizations());
    }

    [Fact]
    public async Task A_flush_deactivates_everything()
    {
        await WarmEverything();

        Assert.Equal(5, Handler().Handle("perms.cache.flush", Json("""{"occurredAt":"2026-11-22T12:00:00Z"}""")));
        Assert.Empty(Users());
        Assert.Empty(Organizations());
    }

    [Fact]
    public async Task The_same_event_twice_or_out_of_order_does_no_harm()
    {
        await WarmEverything();
        var handler = Handler();

        handler.Handle("member.removed", Json("""{"userId":"bob","organizationId":"acme","occurredAt":2000}"""));
        handler.Handle("member.removed", Json("""{"userId":"bob","organizationId":"acme","occurredAt":2000}"""));
        handler.Handle("member.added", Json("""{"userId":"bob","organizationId":"acme","occurredAt":1000}"""));
        var bob = await _users.GetAsync("bob", Token);

        Assert.Equal(["alice", "bob", "carol"], Users());
        Assert.NotNull(bob.State.RolesIn("acme"));
        Assert.Equal(4, _reader.UserReads); // three warm loads and one after the events
    }

    [Fact]
    public async Task An_event_during_a_load_keeps_that_load_from_being_installed()
    {
        var gate = new TaskCompletionSource();
        _reader.BeforeRead = () => gate.Task;
        var call = _users.GetAsync("bob", Token).AsTask();
        await _reader.WaitForReadAsync();

        Handler().Handle("member.removed", Json("""{"userId":"bob","organizationId":"acme","occurredAt":0}"""));
        _reader.Users["bob"] = _reader.Users["bob"] with { Memberships = [] };
        _reader.BeforeRead = null;
        gate.SetResult();

        var bob = await call;
        Assert.Null(bob.State.RolesIn("acme"));
    }

    [Fact]
    public async Task A_prefix_is_stripped_and_subjects_outside_it_are_unknown()
    {
        await WarmEverything();
        var handler = Handler("myapp.");

        Assert.Equal(0, handler.Handle("user.updated", Json("""{"userId":"bob","occurredAt":0}""")));
        Assert.Equal(1, handler.Handle("myapp.user.updated", Json("""{"userId":"bob","occurredAt":0}""")));

        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=unknown,outcome=unknown_subject");
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=applied");
    }

    [Fact]
    public async Task Malformed_events_and_unknown_subjects_are_logged_with_the_subject_counted_and_dropped()
    {
        await WarmEverything();
        var handler = Handler();

        Assert.Equal(0, handler.Handle("user.updated", Json("not json")));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, handler.Handle("user.renamed\u0007", Json("""{"userId":"bob"}""")));

        Assert.Equal(["alice", "bob", "carol"], Users());
        var logged = _logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.Equal(2, logged.Length);
        Assert.StartsWith("Dropped a change event on user.updated: the payload is not JSON: ", logged[0], StringComparison.Ordinal);
        Assert.StartsWith("Dropped a change event on user.renamed?: unknown subject", logged[1], StringComparison.Ordinal);
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=malformed");
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=unknown,outcome=unknown_subject");
    }

    [Fact]
    public void A_flood_of_bad_events_logs_one_line_per_second_and_says_how_many_were_suppressed()
    {
        var handler = Handler();
        for (var i = 0; i < 1000; i++)
        {
            handler.Handle("user.updated", Json("{}"));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        handler.Handle("user.updated", Json("{}"));

        var logged = _logs.Entries.Select(e => e.Message).ToArray();
        Assert.Equal(2, logged.Length);
        Assert.EndsWith("(0 similar messages suppressed since the last one)", logged[0], StringComparison.Ordinal);
        Assert.EndsWith("(999 similar messages suppressed since the last one)", logged[1], StringComparison.Ordinal);
        Assert.Equal(1001, _measured.Count(m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=malformed"));
    }

    [Fact]
    public async Task An_event_with_a_bad_occurredAt_is_applied_logged_and_counted_as_such()
    {
        await WarmEverything();

        Assert.Equal(1, Handler().Handle("user.updated", Json("""{"userId":"bob","occurredAt":"soon"}""")));

        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Applied a change event on user.updated with problems the publisher should fix: occurredAt is \"soon\"", StringComparison.Ordinal));
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=applied_with_warnings");
        Assert.DoesNotContain(_measured, m => m.Name == "perms.events.invalidation_latency");
    }

    [Fact]
    public async Task The_invalidation_latency_is_measured_from_occurredAt()
    {
        await WarmEverything();
        var occurredAt = _time.GetUtcNow().AddMilliseconds(-3);

        Handler().Handle("user.updated", Json($$"""{"userId":"bob","occurredAt":{{occurredAt.ToUnixTimeMilliseconds()}}}"""));
        Handler().Handle("user.updated", Json($$"""{"userId":"bob","occurredAt":{{occurredAt.AddMinutes(5).ToUnixTimeMilliseconds()}}}"""));

        var latencies = _measured.Where(m => m.Name == "perms.events.invalidation_latency").ToArray();
        Assert.Equal(2, latencies.Length);
        Assert.Equal(3, latencies[0].Value, 3);
        Assert.Equal("subject=user.updated", latencies[0].Tags);
        Assert.Equal(0, latencies[1].Value); // a publisher clock ahead of the silo's is not a negative latency
    }

    [Fact]
    public async Task Mark_all_stale_makes_every_grain_reload_on_its_next_call()
    {
        await WarmEverything();

        Handler().MarkAllStale("test");
        _time.Advance(TimeSpan.FromTicks(1));
        await _users.GetAsync("alice", Token);
        await _organizations.GetAsync("acme", Token);

        Assert.Equal(4, _reader.UserReads);
        Assert.Equal(3, _reader.OrganizationReads);
        Assert.Contains(_logs.Entries, e => e.Message == "Every grain loaded so far is treated as stale: test");
    }

    private static string Describe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(",", parts);
    }
}
