using System.Diagnostics;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Perms.Api.V1;
using Perms.Nats;

namespace Perms.IntegrationTests.Events;

/// <summary>
/// End to end with real processes: Better Auth (demo/change.mjs) changes a member's role and clients/better-auth-nats
/// publishes the event on a real nats-server; the silo process deactivates the grain; the next checks over gRPC
/// reflect the change. The same with NATS stopped during the change: the answer flips after the reconnect, or by the
/// maximum staleness at the latest, never later. Every answer is also checked against the time its state was read
/// (<c>state_as_of</c>, PostgreSQL's clock, the same host's): state read after the change returned must give the new
/// answer, and no state may be older than the maximum staleness. No upper bound on
/// time is asserted beyond the bounds that keep a broken build from hanging.
/// </summary>
/// <remarks>
/// Each test starts by putting carol back to <c>viewer</c> in globex (a role without project:update) through Better
/// Auth, and waits until the silo says so: tests may run in any order.
/// </remarks>
[Trait("Category", "Integration")]
public sealed class ChangeEventEndToEndTests(EventsServerFixture fixture) : IClassFixture<EventsServerFixture>
{
    private const string User = "carol";
    private const string Organization = "globex";
    private const string Permission = "project:update";

    /// <summary>Keeps a broken build from polling forever; not a performance assertion.</summary>
    private static readonly TimeSpan GiveUpAfter = EventsServerFixture.MaxStaleness + TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_role_changed_through_Better_Auth_is_reflected_by_the_checks_after_its_event()
    {
        await ResetAsync();
        Assert.False((await CheckAsync()).Allowed); // warm: viewer
        var appliedBefore = AppliedRoleChanges();

        var change = await fixture.ChangeAsync("set-role", User, Organization, "admin");
        Assert.True(change.Published == 1, $"the event was not published: {change.Errors}");

        var flipped = await PollUntilAsync(change, allowed: true);
        Assert.Equal("admin", flipped.GrantedByRole);
        // The event did it (the silo logs each applied event at Debug in this fixture), not the staleness bound.
        await EventuallyAsync(() => AppliedRoleChanges() > appliedBefore);
    }

    [Fact]
    public async Task With_NATS_stopped_during_the_change_the_answer_flips_after_the_reconnect()
    {
        await ResetAsync();
        Assert.False((await CheckAsync()).Allowed);

        await fixture.Nats.KillAsync();
        DemoChange change;
        try
        {
            change = await fixture.ChangeAsync("set-role", User, Organization, "admin");
            Assert.True(change.Published == 0, "NATS is down: nothing can have been published");

            // The event is lost: whatever the silo answers now must match the state it read.
            AssertConsistent(await CheckAsync(), change, DateTimeOffset.UtcNow, after: true);
        }
        finally
        {
            await fixture.Nats.StartAgainAsync();
        }

        var flipped = await PollUntilAsync(change, allowed: true);
        Assert.Equal("admin", flipped.GrantedByRole);
        await EventuallyAsync(() => fixture.Server.SiloOutput.Contains("Every grain loaded so far is treated as stale: reconnected to NATS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_NATS_down_for_good_the_answer_flips_by_the_maximum_staleness_at_the_latest()
    {
        await ResetAsync();
        Assert.False((await CheckAsync()).Allowed);

        await fixture.Nats.KillAsync();
        try
        {
            var change = await fixture.ChangeAsync("set-role", User, Organization, "admin");
            Assert.Equal(0, change.Published);

            // No event and no reconnect: only the staleness bound can flip it. PollUntilAsync checks every answer's age.
            var flipped = await PollUntilAsync(change, allowed: true);
            Assert.Equal("admin", flipped.GrantedByRole);
        }
        finally
        {
            await fixture.Nats.StartAgainAsync();
        }
    }

    [Fact]
    public async Task At_least_as_fresh_gives_read_your_writes_before_the_event_and_fully_consistent_reads_the_database()
    {
        await ResetAsync();
        Assert.False((await CheckAsync()).Allowed);

        await fixture.Nats.KillAsync(); // no event can arrive: only the consistency requirement can show the change
        try
        {
            var change = await fixture.ChangeAsync("set-role", User, Organization, "admin");

            var consistent = await CheckAsync(new Consistency { FullyConsistent = true });
            var fresh = await CheckAsync(new Consistency { AtLeastAsFresh = Timestamp.FromDateTimeOffset(change.ChangedAt) });
            var cached = await CheckAsync();

            Assert.True(consistent.Allowed);
            Assert.True(fresh.Allowed);
            Assert.True(fresh.StateAsOf.ToDateTimeOffset() >= change.ChangedAt);
            // at_least_as_fresh reloaded for everyone; fully_consistent alone would have left the cache as it was.
            Assert.True(cached.Allowed);
        }
        finally
        {
            await fixture.Nats.StartAgainAsync();
        }
    }

    [Fact]
    public async Task Malformed_events_and_unknown_subjects_are_logged_with_the_subject_and_the_consumer_goes_on()
    {
        await ResetAsync();
        var prefix = fixture.Server.SubjectPrefix;
        await using (var app = new NatsConnection(new NatsOptions { Servers = [fixture.Nats.Url], Name = "malformed-publisher" }))
        {
            await app.ConnectAsync(TestContext.Current.CancellationToken);
            await app.PublishAsync(prefix + "user.updated", Encoding.UTF8.GetBytes("not json"), cancellationToken: TestContext.Current.CancellationToken);
            await app.PublishAsync(prefix + "user.renamed", Encoding.UTF8.GetBytes("{}"), cancellationToken: TestContext.Current.CancellationToken);
            // Same subscription (user.>) as "not json", so it is handled after it: each wildcard has its own handler task.
            await app.PublishAsync(prefix + "user.deleted", new byte[70_000], cancellationToken: TestContext.Current.CancellationToken);
            await app.FlushAsync(TestContext.Current.CancellationToken);
        }

        var change = await fixture.ChangeAsync("set-role", User, Organization, "admin");
        Assert.Equal("admin", (await PollUntilAsync(change, allowed: true)).GrantedByRole);

        // The console logger writes from a queue of its own: the lines may trail the answer a little.
        // Malformed payloads and unknown subjects are throttled separately (one line per second each): the 70,000-byte
        // payload, right after "not json", is counted rather than written.
        await EventuallyAsync(() => fixture.Server.SiloOutput.Contains($"Dropped a change event on {prefix}user.updated: the payload is not JSON", StringComparison.Ordinal));
        await EventuallyAsync(() => fixture.Server.SiloOutput.Contains($"Dropped a change event on {prefix}user.renamed: unknown subject", StringComparison.Ordinal));
    }

    /// <summary>carol back to viewer in globex, and the silo agreeing (through the event, or the reconnect).</summary>
    private async Task ResetAsync()
    {
        var change = await fixture.ChangeAsync("set-role", User, Organization, "viewer");
        await PollUntilAsync(change, allowed: false);
    }

    private int AppliedRoleChanges() =>
        // Whatever it deactivated: a grain already collected as stale (a reconnect of an earlier test marks
        // everything stale) leaves the event nothing to deactivate, and the event still arrived and was applied.
        fixture.Server.SiloOutput.Split('\n').Count(l => l.Contains("Applied a change event on member.role.changed: ", StringComparison.Ordinal));

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var waiting = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waiting.Elapsed < GiveUpAfter, "the condition never held");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private Task<CheckPermissionResponse> CheckAsync(Consistency? consistency = null) => fixture.CheckAsync(User, Organization, Permission, consistency);

    /// <summary>Checks until the answer is <paramref name="allowed"/>, verifying every answer on the way.</summary>
    private async Task<CheckPermissionResponse> PollUntilAsync(DemoChange change, bool allowed)
    {
        var polling = Stopwatch.StartNew();
        while (true)
        {
            var asked = DateTimeOffset.UtcNow;
            var response = await CheckAsync();
            AssertConsistent(response, change, asked, after: allowed);
            if (response.Allowed == allowed)
            {
                return response;
            }

            Assert.True(polling.Elapsed < GiveUpAfter, $"still {response.Allowed} after {polling.Elapsed}; silo output:\n{fixture.Server.SiloOutput}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The answer matches the state it came from: <c>state_as_of</c> is the older of the user's and the organization's
    /// read, so state read after the change returned must give <paramref name="after"/>. And no state is older than the
    /// maximum staleness (one second of slack for reading the clock and the load itself).
    /// </summary>
    private static void AssertConsistent(CheckPermissionResponse response, DemoChange change, DateTimeOffset asked, bool after)
    {
        var stateAsOf = response.StateAsOf.ToDateTimeOffset();
        Assert.True(
            stateAsOf >= asked - EventsServerFixture.MaxStaleness - TimeSpan.FromSeconds(1),
            $"state read at {stateAsOf:O} was served at {asked:O}: older than the maximum staleness");
        if (stateAsOf > change.CommittedAt)
        {
            Assert.True(response.Allowed == after, $"state read at {stateAsOf:O}, after the change returned at {change.CommittedAt:O}, answered {response.Allowed}");
        }
    }
}
