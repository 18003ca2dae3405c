namespace Perms.LoadTest.Truth;

/// <summary>
/// One change of a member's role made during a run, with the moments that bound when each answer is acceptable
/// (<see cref="System.Diagnostics.Stopwatch"/> timestamps). Created by <see cref="RoleChangeLog.Begin"/>; its
/// moments are set through the log, under its lock.
/// </summary>
internal sealed class RoleChange
{
    internal RoleChange(long user, int organization, string? oldRole, string newRole, long started)
    {
        User = user;
        Organization = organization;
        OldRole = oldRole;
        NewRole = newRole;
        Started = started;
    }

    /// <summary>The user's index.</summary>
    public long User { get; }

    /// <summary>The organization's index.</summary>
    public int Organization { get; }

    /// <summary>The role string before the change.</summary>
    public string? OldRole { get; }

    /// <summary>The role string after the change.</summary>
    public string NewRole { get; }

    /// <summary>Taken before the UPDATE was sent: no answer can reflect the new role before this.</summary>
    public long Started { get; }

    /// <summary>Taken once the UPDATE had committed; <see cref="long.MaxValue"/> until then (or for ever when it failed and may or may not have committed).</summary>
    public long Committed { get; internal set; } = long.MaxValue;

    /// <summary>Taken once the NATS server had the event (the flush after the publish returned); <see cref="long.MaxValue"/> until then.</summary>
    public long Published { get; internal set; } = long.MaxValue;

    /// <summary>
    /// <see cref="Published"/> plus the stale grace: a request sent after this may not be answered for the old role.
    /// <see cref="long.MaxValue"/> until the event is published.
    /// </summary>
    public long WindowEnd { get; internal set; } = long.MaxValue;
}
