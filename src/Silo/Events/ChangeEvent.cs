namespace Perms.Silo.Events;

/// <summary>One parsed change event.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="UserId">The user, for member, team and user events.</param>
/// <param name="OrganizationId">The organization, for member, team and organization events.</param>
/// <param name="OccurredAt">When the publisher says the change happened; null when the payload has no usable time.</param>
/// <param name="Warnings">Problems with fields Perms does not act on (the event is still applied), or empty.</param>
public sealed record ChangeEvent(ChangeEventKind Kind, string? UserId, string? OrganizationId, DateTimeOffset? OccurredAt, IReadOnlyList<string> Warnings);
