namespace Perms.Grains.Interfaces.Permissions;

/// <summary>
/// The answer to one permission check. A value type so that evaluating a check allocates nothing.
/// </summary>
/// <param name="Allowed">Whether every requested action is granted.</param>
/// <param name="Reason">Why; <see cref="DecisionReason.Allowed"/> or <see cref="DecisionReason.AllowedAsAdminUserId"/> exactly when <paramref name="Allowed"/> is true.</param>
/// <param name="GrantedByRole">The one role that granted the whole request, or null when denied or allowed by <c>adminUserIds</c>.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.PermissionDecision")]
public readonly record struct PermissionDecision(bool Allowed, DecisionReason Reason, string? GrantedByRole)
{
    /// <summary>An allow granted by <paramref name="role"/>.</summary>
    public static PermissionDecision GrantedBy(string role) => new(true, DecisionReason.Allowed, role);

    /// <summary>An allow because the user is listed in <c>adminUserIds</c>.</summary>
    public static PermissionDecision AdminUserId => new(true, DecisionReason.AllowedAsAdminUserId, null);

    /// <summary>A denial for <paramref name="reason"/>.</summary>
    public static PermissionDecision Denied(DecisionReason reason) => new(false, reason, null);
}
