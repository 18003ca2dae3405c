using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Perms.Grains.Interfaces.Data;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;
using Perms.Nats;

namespace Perms.LoadTest.Scenarios;

/// <summary>
/// The <c>mix</c> scenario's writer: while checks run, every <c>interval</c> it changes the role of one membership the
/// checks ask about, the way an app without Better Auth's hooks would — an UPDATE of <c>member.role</c> in
/// PostgreSQL, then <c>member.role.changed</c> on NATS — and records each change in the workload's truth
/// (<see cref="CheckWorkload.Changes"/>) before the UPDATE starts, marking when it committed and when its event was
/// published, which is what the judging of the checks needs. At the end every changed membership gets its generated
/// role back (the same way), so the database matches the manifest again.
/// </summary>
internal sealed class RoleChangeDriver : IAsyncDisposable
{
    /// <summary>The subject of the event, after the prefix.</summary>
    public const string Subject = "member.role.changed";

    private static readonly string[] StaticRoles = ["owner", "admin", "member", "admin,member", "member,admin"];
    private static readonly string[] DynamicRoles = ["member,auditor", "auditor", "auditor,admin"];

    private readonly CheckWorkload _workload;
    private readonly NpgsqlDataSource _database;
    private readonly NatsConnection _nats;
    private readonly string _subject;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _staleGrace;
    private readonly string _update;
    private readonly (long User, int Organization)[] _candidates;
    private readonly Random _random;
    private readonly HashSet<(long User, int Organization)> _touched = [];
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private int _changes;

    /// <summary>Creates the driver; nothing is written before <see cref="Start"/> or <see cref="ChangeAsync"/>.</summary>
    /// <param name="workload">The workload whose truth records the changes; its cases choose the memberships.</param>
    /// <param name="cases">The memberships changed are those of member checks among cases 0 … cases − 1 (the ones a prewarmed target sends).</param>
    /// <param name="database">A data source on the Better Auth tables with the right to UPDATE <c>member</c>.</param>
    /// <param name="layout">The tables' layout (names of the member table and its columns).</param>
    /// <param name="nats">A connected NATS connection.</param>
    /// <param name="subjectPrefix">The silo's subject prefix (empty, or ending with a dot).</param>
    /// <param name="interval">Time between the starts of two changes.</param>
    /// <param name="staleGrace">How long after the event is published the old role may still be answered.</param>
    /// <param name="seed">Seed of the choice of memberships and roles.</param>
    public RoleChangeDriver(CheckWorkload workload, int cases, NpgsqlDataSource database, TableLayout layout, NatsConnection nats, string subjectPrefix, TimeSpan interval, TimeSpan staleGrace, int seed = 11)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(subjectPrefix);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(staleGrace, TimeSpan.Zero);
        _workload = workload;
        _database = database;
        _nats = nats;
        _subject = subjectPrefix + Subject;
        _interval = interval;
        _staleGrace = staleGrace;
        _random = new Random(seed);
        _update = $"UPDATE {layout.QualifiedTable("member")} SET {layout.QuotedColumn("member", "role")} = $1 " +
            $"WHERE {layout.QuotedColumn("member", "id")} = $2 AND {layout.QuotedColumn("member", "userId")} = $3 AND {layout.QuotedColumn("member", "organizationId")} = $4";

        var model = workload.Model;
        var now = DateTime.UtcNow;
        _candidates = [.. Enumerable.Range(0, cases)
            .Select(i => workload.Get(i))
            .Where(c => model.FindMembership(c.UserIndex, c.OrganizationIndex) is not null
                && !PermissionOracle.IsBannedAt(model.IsBanned(c.UserIndex), model.BanExpires(c.UserIndex), now))
            .Select(c => (c.UserIndex, c.OrganizationIndex))
            .Distinct()];
        if (_candidates.Length == 0)
        {
            throw new ArgumentException("no member check among the cases: the mix has no membership to change", nameof(cases));
        }
    }

    /// <summary>Changes completed (committed and published), the restoring ones included.</summary>
    public int Changes => Volatile.Read(ref _changes);

    /// <summary>Memberships whose role was given back at the end.</summary>
    public int Restored { get; private set; }

    /// <summary>
    /// Memberships <see cref="StopAsync"/> could not give their generated role back, each described (user, organization,
    /// the role it may still have, the error); empty when all were restored.
    /// </summary>
    public IReadOnlyList<string> NotRestored { get; private set; } = [];

    /// <summary>Why the loop stopped early (a failed UPDATE or publish); null while all is well.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Starts changing roles every interval, in the background.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>
    /// Stops the loop (the change under way completes), then gives every changed membership its generated role back and
    /// waits out the stale grace of those last events. A membership that cannot be restored is skipped and listed in
    /// <see cref="NotRestored"/>; the others are still restored.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stop is not null && _loop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
        }

        var model = _workload.Model;
        List<(long User, int Organization)> touched;
        lock (_touched)
        {
            touched = [.. _touched];
        }

        var notRestored = new List<string>();
        foreach (var (user, organization) in touched)
        {
            var generated = model.MemberRole(user, organization)!;
            var current = _workload.Changes.CurrentRole(user, organization, generated);
            if (current == generated)
            {
                continue;
            }

            // One membership that cannot be restored must not leave the others changed.
            try
            {
                await ChangeAsync(user, organization, generated).ConfigureAwait(false);
                Restored++;
            }
            catch (Exception e) when (e is NpgsqlException or NatsException or InvalidOperationException or OperationCanceledException or TimeoutException or IOException)
            {
                notRestored.Add($"{DatasetSpec.UserId(user)} in {DatasetSpec.OrganizationId(organization)}: role {current}, generated {generated} ({e.Message})");
            }
        }

        NotRestored = notRestored;

        if (Restored > 0)
        {
            // The silo may apply the restoring events up to the grace later; a run started right after this one must
            // not meet the changed roles its fresh truth knows nothing about.
            await Task.Delay(_staleGrace).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One change, exactly as the loop makes it: recorded in the truth, UPDATE, recorded as committed, event published
    /// and flushed, recorded as published. A failure leaves the change's window open (both roles stay acceptable) and
    /// is rethrown.
    /// </summary>
    /// <remarks>Not cancellable: a change half made would leave the truth guessing whether it committed.</remarks>
    public async Task<RoleChange> ChangeAsync(long user, int organization, string newRole)
    {
        var membership = _workload.Model.FindMembership(user, organization)
            ?? throw new ArgumentException($"user {user} is not a member of organization {organization}", nameof(user));
        lock (_touched)
        {
            _touched.Add((user, organization));
        }

        var change = _workload.Changes.Begin(user, organization, membership.Role, newRole);
        await using (var command = _database.CreateCommand(_update))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = newRole });
            command.Parameters.Add(new NpgsqlParameter { Value = membership.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = DatasetSpec.UserId(user) });
            command.Parameters.Add(new NpgsqlParameter { Value = DatasetSpec.OrganizationId(organization) });
            var rows = await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            if (rows != 1)
            {
                throw new InvalidOperationException(
                    $"UPDATE of member {membership.Id} ({DatasetSpec.UserId(user)} in {DatasetSpec.OrganizationId(organization)}) changed {rows} rows: the database does not hold the manifest's dataset");
            }
        }

        _workload.Changes.MarkCommitted(change);
        await _nats.PublishAsync(_subject, Payload(user, organization, newRole), cancellationToken: CancellationToken.None).ConfigureAwait(false);
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await _nats.FlushAsync(flush.Token).ConfigureAwait(false);
        }

        _workload.Changes.MarkPublished(change, _staleGrace);
        Interlocked.Increment(ref _changes);
        return change;
    }

    /// <summary>
    /// Proves, before the run, that this driver's changes reach the silo: asks <paramref name="cachedCheck"/> (a check
    /// with cached reads) about a membership, which must be answered for its current role, changes the role to one that
    /// answers that permission differently, and waits for the cached answer to follow within the stale grace (plus a
    /// second) of the change. Throws <see cref="InvalidOperationException"/> saying what to fix when it does not: events that never
    /// arrive (another subject prefix or NATS server than the silo's) would otherwise show up as wrong answers.
    /// </summary>
    /// <returns>The change, and when the first check that showed it was answered (a <see cref="Stopwatch"/> timestamp).</returns>
    public async Task<(RoleChange Change, long ShownAt)> VerifyEventsReachSiloAsync(Func<CheckCase, CancellationToken, Task<bool>> cachedCheck, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cachedCheck);
        var model = _workload.Model;
        var (user, organization) = _candidates[0];
        var now = DateTime.UtcNow;
        var current = _workload.Changes.CurrentRole(user, organization, model.MemberRole(user, organization));
        var pool = model.HasDynamicRoles(organization) ? [.. StaticRoles, .. DynamicRoles] : StaticRoles;
        var (newRole, resource, action) = pool.Where(r => r != current)
            .SelectMany(r => model.Oracle.Permissions.Select(p => (Role: r, p.Resource, p.Action)))
            .First(c => model.IsAllowedWithRole(user, organization, current, c.Resource, c.Action, now) != model.IsAllowedWithRole(user, organization, c.Role, c.Resource, c.Action, now));
        var before = new CheckCase(user, organization, resource, action, model.IsAllowedWithRole(user, organization, current, resource, action, now));
        if (await cachedCheck(before, cancellationToken).ConfigureAwait(false) != before.Expected)
        {
            throw new InvalidOperationException($"probe: {before.UserId} in {before.OrganizationId} {resource}:{action} is not answered as the manifest's data says before any change");
        }

        var change = await ChangeAsync(user, organization, newRole).ConfigureAwait(false);
        var deadline = _staleGrace + TimeSpan.FromSeconds(1);
        while (Stopwatch.GetElapsedTime(change.Started) < deadline)
        {
            if (await cachedCheck(before, cancellationToken).ConfigureAwait(false) != before.Expected)
            {
                return (change, Stopwatch.GetTimestamp());
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException(
            $"probe: the silo still answered for the old role {deadline.TotalSeconds:0.#} s after the change of {before.UserId} in {before.OrganizationId} (UPDATE, then {_subject}); " +
            "is the subject prefix (--subject-prefix) the silo's Perms:Events:SubjectPrefix, and --nats the server the silo subscribes to?");
    }

    /// <summary>A role for the membership other than its current one (dynamic roles only where the organization has them).</summary>
    public string PickNewRole(long user, int organization)
    {
        var model = _workload.Model;
        var current = _workload.Changes.CurrentRole(user, organization, model.MemberRole(user, organization));
        var pool = model.HasDynamicRoles(organization) ? [.. StaticRoles, .. DynamicRoles] : StaticRoles;
        var others = pool.Where(r => r != current).ToArray();
        lock (_random)
        {
            return others[_random.Next(others.Length)];
        }
    }

    /// <summary>Describes the driver's work for the output.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"role changes: {Changes:N0} (UPDATE member.role, then {_subject} on NATS; old answers accepted until the event was published + {_staleGrace.TotalMilliseconds:0} ms), {Restored:N0} memberships restored to their generated roles{(Failure is null ? "" : $"; STOPPED EARLY: {Failure.Message}")}");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(false);
            }

            _stop.Dispose();
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                (long User, int Organization) target;
                lock (_random)
                {
                    target = _candidates[_random.Next(_candidates.Length)];
                }

                await ChangeAsync(target.User, target.Organization, PickNewRole(target.User, target.Organization)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception e) when (e is NpgsqlException or NatsException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            Failure = e;
        }
    }

    private static byte[] Payload(long user, int organization, string role)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("userId", DatasetSpec.UserId(user));
            json.WriteString("organizationId", DatasetSpec.OrganizationId(organization));
            json.WriteString("role", role);
            json.WriteNumber("occurredAt", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
