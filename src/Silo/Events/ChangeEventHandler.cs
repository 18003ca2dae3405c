using Perms.Grains.Activation;
using Perms.Silo.Runtime;

namespace Perms.Silo.Events;

/// <summary>
/// Applies change events to this silo's grains (docs/events.md): each event deactivates what it touches, including
/// loads in flight (the catalog discards them), so the next call reads PostgreSQL again. Events are idempotent and
/// order does not matter: a deactivation only ever makes the next read fresher. Malformed events and unknown subjects
/// are logged (throttled), counted and dropped; nothing here throws at the caller.
/// </summary>
public sealed class ChangeEventHandler
{
    private readonly GrainCatalog<UserGrain> _users;
    private readonly GrainCatalog<OrganizationGrain> _organizations;
    private readonly EventMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly LogThrottle _malformedLog;
    private readonly LogThrottle _unknownLog;
    private readonly LogThrottle _warningLog;

    /// <summary>Creates the handler.</summary>
    /// <param name="users">The UserGrain catalog.</param>
    /// <param name="organizations">The OrganizationGrain catalog.</param>
    /// <param name="metrics">Where events are counted.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where dropped events are logged.</param>
    /// <param name="subjectPrefix">The configured prefix in front of the contract's subjects ("" for none).</param>
    public ChangeEventHandler(GrainCatalog<UserGrain> users, GrainCatalog<OrganizationGrain> organizations, EventMetrics metrics, TimeProvider time, ILogger<ChangeEventHandler> logger, string subjectPrefix)
    {
        _users = users;
        _organizations = organizations;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _prefix = subjectPrefix;
        _malformedLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
        _unknownLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
        _warningLog = new LogThrottle(time, TimeSpan.FromSeconds(1));
    }

    /// <summary>Handles one message as received on <paramref name="subject"/> (prefix included).</summary>
    /// <returns>The number of activations deactivated (0 for a dropped event).</returns>
    public int Handle(string subject, ReadOnlySpan<byte> payload)
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

            return 0;
        }

        var name = ChangeEventSubjects.NameOf(changeEvent!.Kind);
        var deactivated = Apply(changeEvent);
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

    /// <summary>Deactivates what <paramref name="changeEvent"/> touches.</summary>
    /// <returns>The number of activations deactivated.</returns>
    public int Apply(ChangeEvent changeEvent)
    {
        ArgumentNullException.ThrowIfNull(changeEvent);
        switch (changeEvent.Kind)
        {
            case ChangeEventKind.MemberRoleChanged or ChangeEventKind.MemberRemoved or ChangeEventKind.MemberAdded
                or ChangeEventKind.TeamMemberChanged or ChangeEventKind.UserUpdated or ChangeEventKind.UserDeleted:
                // Memberships live in the UserGrain; an OrganizationGrain holds only the organization's dynamic roles.
                return _users.Deactivate(changeEvent.UserId!, DeactivationCause.Event) ? 1 : 0;
            case ChangeEventKind.OrganizationRoleChanged:
                return _organizations.Deactivate(changeEvent.OrganizationId!, DeactivationCause.Event) ? 1 : 0;
            case ChangeEventKind.OrganizationDeleted:
                var organizationId = changeEvent.OrganizationId!;
                var count = _organizations.Deactivate(organizationId, DeactivationCause.Event) ? 1 : 0;
                // A load in flight (null) may have read the membership before the deletion: it goes too.
                return count + _users.DeactivateWhere((_, grain) => grain is null || grain.State.RolesIn(organizationId) is not null, DeactivationCause.Event);
            case ChangeEventKind.CacheFlush:
                return _users.DeactivateAll(DeactivationCause.Event) + _organizations.DeactivateAll(DeactivationCause.Event);
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
        _users.MarkAllStale();
        _organizations.MarkAllStale();
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
