using Perms.Silo.Grains;

namespace Perms.Silo.Events;

/// <summary>
/// Applies change events to this silo's grains (docs/events.md): each event drops the state of what it touches,
/// including loads in flight (the grain discards them), so the next call reads PostgreSQL again. Every silo handles
/// every event for its own activations (see <see cref="IGrainInvalidator"/>). Events are idempotent and
/// order does not matter: a deactivation only ever makes the next read fresher. Malformed events and unknown subjects
/// are logged (throttled), counted and dropped; nothing here throws at the caller.
/// </summary>
public sealed class ChangeEventHandler
{
    private readonly IGrainInvalidator _grains;
    private readonly EventMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly LogThrottle _malformedLog;
    private readonly LogThrottle _unknownLog;
    private readonly LogThrottle _warningLog;

    /// <summary>Creates the handler.</summary>
    /// <param name="grains">Drops this silo's grains' state.</param>
    /// <param name="metrics">Where events are counted.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where dropped events are logged.</param>
    /// <param name="subjectPrefix">The configured prefix in front of the contract's subjects ("" for none).</param>
    public ChangeEventHandler(IGrainInvalidator grains, EventMetrics metrics, TimeProvider time, ILogger<ChangeEventHandler> logger, string subjectPrefix)
    {
        _grains = grains;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _prefix = subjectPrefix;
        _malformedLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
        _unknownLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
        _warningLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
    }

    /// <summary>Handles one message as received on <paramref name="subject"/> (prefix included).</summary>
    /// <returns>The number of grains whose state was dropped (0 for a dropped event).</returns>
    public ValueTask<int> HandleAsync(string subject, ReadOnlySpan<byte> payload)
    {
        var contractSubject = subject.StartsWith(_prefix, StringComparison.Ordinal) ? subject[_prefix.Length..] : null;
        ChangeEvent? changeEvent = null;
        string? error = null;
        if (contractSubject is null || !ChangeEventParser.TryParse(contractSubject, payload, out changeEvent, out error))
        {
            var known = contractSubject is not null && ChangeEventSubjects.Kinds.ContainsKey(contractSubject);
            _metrics.Event(known ? contractSubject! : "unknown", known ? EventMetrics.Malformed : EventMetrics.UnknownSubject);
            if ((known ? _malformedLog : _unknownLog).TryEnter(out var suppressed))
            {
                EventLog.Dropped(_logger, Printable(subject), error ?? "unknown subject", suppressed);
            }

            return ValueTask.FromResult(0);
        }

        return ApplyAndRecordAsync(changeEvent!, subject);
    }

    private async ValueTask<int> ApplyAndRecordAsync(ChangeEvent changeEvent, string subject)
    {
        var name = ChangeEventSubjects.NameOf(changeEvent.Kind);
        var deactivated = await ApplyAsync(changeEvent).ConfigureAwait(false);
        EventLog.Applied(_logger, name, deactivated);
        if (changeEvent.OccurredAt is { } occurredAt)
        {
            _metrics.Latency(name, Math.Max(0, (_time.GetUtcNow() - occurredAt).TotalMilliseconds));
        }

        if (changeEvent.Warnings.Count == 0)
        {
            _metrics.Event(name, EventMetrics.Applied);
        }
        else
        {
            _metrics.Event(name, EventMetrics.AppliedWithWarnings);
            if (_warningLog.TryEnter(out var suppressed))
            {
                EventLog.AppliedWithWarnings(_logger, Printable(subject), string.Join("; ", changeEvent.Warnings), suppressed);
            }
        }

        return deactivated;
    }

    /// <summary>Drops the state of what <paramref name="changeEvent"/> touches on this silo.</summary>
    /// <returns>The number of grains whose state was dropped.</returns>
    public async ValueTask<int> ApplyAsync(ChangeEvent changeEvent)
    {
        ArgumentNullException.ThrowIfNull(changeEvent);
        switch (changeEvent.Kind)
        {
            case ChangeEventKind.MemberRoleChanged or ChangeEventKind.MemberRemoved or ChangeEventKind.MemberAdded
                or ChangeEventKind.TeamMemberChanged or ChangeEventKind.UserUpdated or ChangeEventKind.UserDeleted:
                // Memberships live in the UserGrain; an OrganizationGrain holds only the organization's dynamic roles.
                return await _grains.InvalidateUserAsync(changeEvent.UserId!).ConfigureAwait(false);
            case ChangeEventKind.OrganizationRoleChanged:
                return (await _grains.InvalidateOrganizationAsync(changeEvent.OrganizationId!, withMembers: false).ConfigureAwait(false)).Organizations;
            case ChangeEventKind.OrganizationDeleted:
                var (organizations, members) = await _grains.InvalidateOrganizationAsync(changeEvent.OrganizationId!, withMembers: true).ConfigureAwait(false);
                return organizations + members;
            case ChangeEventKind.CacheFlush:
                var (users, organizationCount) = await _grains.InvalidateAllAsync().ConfigureAwait(false);
                return users + organizationCount;
            default:
                throw new ArgumentOutOfRangeException(nameof(changeEvent), changeEvent.Kind, "unknown event kind");
        }
    }

    /// <summary>
    /// Treats every grain loaded (or loading) until now as stale: events may have been lost (a reconnect, a full
    /// hand-off, a failure while applying one).
    /// </summary>
    public void MarkAllStale(string reason)
    {
        _grains.MarkAllStale();
        EventLog.MarkedAllStale(_logger, reason);
    }

    // Subjects come from whoever can publish: keep control characters out of the log and its length bounded.
    private static string Printable(string subject)
    {
        var text = subject.Length <= 128 ? subject : string.Concat(subject.AsSpan(0, 128), "…");
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
