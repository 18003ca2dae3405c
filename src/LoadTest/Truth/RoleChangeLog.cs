using System.Collections.Concurrent;
using System.Diagnostics;

namespace Perms.LoadTest.Truth;

/// <summary>
/// The role changes made during a run, per membership and in order, and the answers they make acceptable. A change
/// is recorded before its UPDATE starts, so no answer that reflects it can be judged before it is known. Thread-safe.
/// </summary>
internal sealed class RoleChangeLog
{
    private readonly ConcurrentDictionary<(long User, int Organization), List<RoleChange>> _changes = new();
    private int _count;

    /// <summary>Changes begun so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Records that the member's role is about to become <paramref name="newRole"/>; call it just before the UPDATE.</summary>
    /// <param name="user">The user's index.</param>
    /// <param name="organization">The organization's index.</param>
    /// <param name="generatedRole">The role as generated (the role before the first change).</param>
    /// <param name="newRole">The new role string.</param>
    public RoleChange Begin(long user, int organization, string? generatedRole, string newRole)
    {
        var history = _changes.GetOrAdd((user, organization), _ => []);
        lock (history)
        {
            // The timestamp is taken under the lock: a judge that sees a later answer time also sees this change.
            var change = new RoleChange(user, organization, history.Count == 0 ? generatedRole : history[^1].NewRole, newRole, Stopwatch.GetTimestamp());
            history.Add(change);
            Interlocked.Increment(ref _count);
            return change;
        }
    }

    /// <summary>The UPDATE has committed.</summary>
    public void MarkCommitted(RoleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_changes[(change.User, change.Organization)])
        {
            change.Committed = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>The event is published (the server acknowledged it); the old role stays acceptable for <paramref name="grace"/> more.</summary>
    public void MarkPublished(RoleChange change, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_changes[(change.User, change.Organization)])
        {
            change.Published = Stopwatch.GetTimestamp();
            change.WindowEnd = change.Published + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        }
    }

    /// <summary>The member's role after the last recorded change; <paramref name="generatedRole"/> when none.</summary>
    public string? CurrentRole(long user, int organization, string? generatedRole)
    {
        if (!_changes.TryGetValue((user, organization), out var history))
        {
            return generatedRole;
        }

        lock (history)
        {
            return history.Count == 0 ? generatedRole : history[^1].NewRole;
        }
    }

    /// <summary>Every change made, by membership, in order (a copy).</summary>
    public IReadOnlyList<RoleChange> Snapshot()
    {
        var all = new List<RoleChange>();
        foreach (var history in _changes.Values)
        {
            lock (history)
            {
                all.AddRange(history);
            }
        }

        return all.OrderBy(c => c.Started).ToList();
    }

    /// <summary>
    /// The role strings a request for this membership may have seen, sent at <paramref name="sentAt"/> and answered at
    /// <paramref name="answeredAt"/>; false when the membership never changed (then the generated role alone counts).
    /// The role before change k is visible until change k's window ends (its event published plus the grace; for a
    /// read of PostgreSQL made during the call, <paramref name="freshRead"/>, until its UPDATE committed); the role after
    /// change k from the moment it began. A role is possible when its visibility overlaps [sent, answered].
    /// </summary>
    public bool TryGetPossibleRoles(long user, int organization, long sentAt, long answeredAt, bool freshRead, List<string?> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        roles.Clear();
        if (Count == 0 || !_changes.TryGetValue((user, organization), out var history))
        {
            return false;
        }

        lock (history)
        {
            if (history.Count == 0)
            {
                return false;
            }

            var visibleFrom = long.MinValue;
            var role = history[0].OldRole;
            foreach (var change in history)
            {
                var visibleUntil = freshRead ? change.Committed : change.WindowEnd;
                if (visibleFrom <= answeredAt && visibleUntil >= sentAt)
                {
                    roles.Add(role);
                }

                visibleFrom = change.Started;
                role = change.NewRole;
            }

            if (visibleFrom <= answeredAt)
            {
                roles.Add(role);
            }
        }

        return true;
    }
}
