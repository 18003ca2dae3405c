using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Perms.Silo.Events;
using Perms.UnitTests.Grains;
using Perms.UnitTests.Grpc;

namespace Perms.UnitTests.Events;

/// <summary>What each event invalidates on this silo, idempotence, bad input, and the metrics (grain behaviour: GrainBehaviourTests).</summary>
public sealed class ChangeEventHandlerTests : IDisposable
{
    private readonly FakeGrainInvalidator _grains = new();
    private readonly ManualTimeProvider _time = new();
    private readonly EventMetrics _metrics = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<(string Name, double Value, string Tags)> _measured = [];
    private readonly MeterListener _listener = new();

    public ChangeEventHandlerTests()
    {
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
        _metrics.Dispose();
        _loggerFactory.Dispose();
    }

    private ChangeEventHandler Handler(string prefix = "") =>
        new(_grains, _metrics, _time, _loggerFactory.CreateLogger<ChangeEventHandler>(), prefix);

    private Task WarmEverything()
    {
        _grains.Activate("alice", "acme", "globex");
        _grains.Activate("bob", "acme");
        _grains.Activate("carol", "globex");
        _grains.Organizations.UnionWith(["acme", "globex"]);
        return Task.CompletedTask;
    }

    private string[] Users() => [.. new[] { "alice", "bob", "carol" }.Where(_grains.Users.ContainsKey)];

    private string[] Organizations() => [.. new[] { "acme", "globex" }.Where(_grains.Organizations.Contains)];

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

        var deactivated = await Handler().HandleAsync(subject, Json(json));

        Assert.Equal(1, deactivated);
        Assert.Equal(["alice", "carol"], Users());
        Assert.Equal(["acme", "globex"], Organizations());
    }

    [Fact]
    public async Task A_dynamic_role_change_deactivates_that_organizations_grain_only()
    {
        await WarmEverything();

        await Handler().HandleAsync("organization.role.changed", Json("""{"organizationId":"acme","role":"auditor","occurredAt":0}"""));

        Assert.Equal(["globex"], Organizations());
        Assert.Equal(["alice", "bob", "carol"], Users());
        Assert.Equal(["organization acme"], _grains.Calls);
    }

    [Fact]
    public async Task An_organization_deletion_deactivates_it_and_every_member_holding_it()
    {
        await WarmEverything();

        var deactivated = await Handler().HandleAsync("organization.deleted", Json("""{"organizationId":"acme","occurredAt":0}"""));

        Assert.Equal(3, deactivated);
        Assert.Equal(["organization acme with members"], _grains.Calls);
        Assert.Equal(["carol"], Users());
        Assert.Equal(["globex"], Organizations());
    }

    [Fact]
    public async Task A_flush_deactivates_everything()
    {
        await WarmEverything();

        Assert.Equal(5, await Handler().HandleAsync("perms.cache.flush", Json("""{"occurredAt":"2026-11-22T12:00:00Z"}""")));
        Assert.Empty(Users());
        Assert.Empty(Organizations());
    }

    [Fact]
    public async Task The_same_event_twice_or_out_of_order_does_no_harm()
    {
        await WarmEverything();
        var handler = Handler();

        Assert.Equal(1, await handler.HandleAsync("member.removed", Json("""{"userId":"bob","organizationId":"acme","occurredAt":2000}""")));
        Assert.Equal(0, await handler.HandleAsync("member.removed", Json("""{"userId":"bob","organizationId":"acme","occurredAt":2000}""")));
        Assert.Equal(0, await handler.HandleAsync("member.added", Json("""{"userId":"bob","organizationId":"acme","occurredAt":1000}""")));

        Assert.Equal(["alice", "carol"], Users());
        Assert.Equal(["user bob", "user bob", "user bob"], _grains.Calls);
    }

    [Fact]
    public async Task A_prefix_is_stripped_and_subjects_outside_it_are_unknown()
    {
        await WarmEverything();
        var handler = Handler("myapp.");

        Assert.Equal(0, await handler.HandleAsync("user.updated", Json("""{"userId":"bob","occurredAt":0}""")));
        Assert.Equal(1, await handler.HandleAsync("myapp.user.updated", Json("""{"userId":"bob","occurredAt":0}""")));

        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=unknown,outcome=unknown_subject");
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=applied");
    }

    [Fact]
    public async Task Malformed_events_and_unknown_subjects_are_logged_with_the_subject_counted_and_dropped()
    {
        await WarmEverything();
        var handler = Handler();

        Assert.Equal(0, await handler.HandleAsync("user.updated", Json("not json")));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await handler.HandleAsync("user.renamed\u0007", Json("""{"userId":"bob"}""")));

        Assert.Equal(["alice", "bob", "carol"], Users());
        var logged = _logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.Equal(2, logged.Length);
        Assert.StartsWith("Dropped a change event on user.updated: the payload is not JSON: ", logged[0], StringComparison.Ordinal);
        Assert.StartsWith("Dropped a change event on user.renamed?: unknown subject", logged[1], StringComparison.Ordinal);
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=malformed");
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=unknown,outcome=unknown_subject");
    }

    [Fact]
    public async Task A_flood_of_bad_events_logs_one_line_per_second_and_says_how_many_were_suppressed()
    {
        var handler = Handler();
        for (var i = 0; i < 1000; i++)
        {
            await handler.HandleAsync("user.updated", Json("{}"));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        await handler.HandleAsync("user.updated", Json("{}"));

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

        Assert.Equal(1, await Handler().HandleAsync("user.updated", Json("""{"userId":"bob","occurredAt":"soon"}""")));

        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Applied a change event on user.updated with problems the publisher should fix: occurredAt is \"soon\"", StringComparison.Ordinal));
        Assert.Contains(_measured, m => m.Name == "perms.events" && m.Tags == "subject=user.updated,outcome=applied_with_warnings");
        Assert.DoesNotContain(_measured, m => m.Name == "perms.events.invalidation_latency");
    }

    [Fact]
    public async Task The_invalidation_latency_is_measured_from_occurredAt()
    {
        await WarmEverything();
        var occurredAt = _time.GetUtcNow().AddMilliseconds(-3);

        await Handler().HandleAsync("user.updated", Json($$"""{"userId":"bob","occurredAt":{{occurredAt.ToUnixTimeMilliseconds()}}}"""));
        await Handler().HandleAsync("user.updated", Json($$"""{"userId":"bob","occurredAt":{{occurredAt.AddMinutes(5).ToUnixTimeMilliseconds()}}}"""));

        var latencies = _measured.Where(m => m.Name == "perms.events.invalidation_latency").ToArray();
        Assert.Equal(2, latencies.Length);
        Assert.Equal(3, latencies[0].Value, 3);
        Assert.Equal("subject=user.updated", latencies[0].Tags);
        Assert.Equal(0, latencies[1].Value); // a publisher clock ahead of the silo's is not a negative latency
    }

    [Fact]
    public void Mark_all_stale_marks_this_silos_grains_and_says_why()
    {
        Handler().MarkAllStale("test");

        Assert.Equal(1, _grains.StaleMarks);
        Assert.Empty(_grains.Calls);
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
